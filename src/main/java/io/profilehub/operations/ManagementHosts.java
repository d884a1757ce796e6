package io.profilehub.operations;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.profilehub.http.ProblemException;
import io.profilehub.http.Problems;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The management port takes no key (it is the operator's, on loopback), so a web page could reach it through the
 * operator's browser by DNS rebinding: a name of the attacker's that resolves to 127.0.0.1 makes the browser send
 * the page's requests there, with that name in {@code Host}. Only the configured host names are answered; any other
 * Host gets 421 before any endpoint runs (pausing a destination included).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class ManagementHosts implements Ordered {

    /** {@code profilehub.management.allowed-hosts}: names (without port) the management port answers to. */
    @ConfigurationProperties("profilehub.management")
    public record Settings(@Bindable(defaultValue = "localhost,127.0.0.1,[::1]") List<String> allowedHosts) {
        public Settings {
            if (allowedHosts == null || allowedHosts.isEmpty() || allowedHosts.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException("profilehub.management.allowed-hosts must name at least one host, "
                        + "and no empty one");
            }
        }
    }

    private final int managementPort;
    private final Set<String> allowed;

    public ManagementHosts(Settings settings, @Value("${profilehub.management.port}") int managementPort) {
        this.managementPort = managementPort;
        this.allowed = settings.allowedHosts().stream().map(h -> h.trim().toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.FIRST.before();
    }

    @RequestFilter
    @Nullable
    public HttpResponse<?> check(HttpRequest<?> request) {
        if (request.getServerAddress().getPort() != managementPort) {
            return null;
        }
        String host = hostName(request.getHeaders().get(HttpHeaders.HOST));
        if (host != null && allowed.contains(host)) {
            return null;
        }
        return Problems.response(new ProblemException(HttpStatus.MISDIRECTED_REQUEST, "host-not-allowed",
                "The management port answers only requests addressed to " + String.join(", ", allowed.stream().sorted()
                        .toList()) + " (profilehub.management.allowed-hosts); this one named "
                        + (host == null ? "no host" : "another host") + "."));
    }

    /** The Host header without its port, lower case; null when absent. "[::1]:8081" is "[::1]". */
    static String hostName(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }
}
