package io.profilehub.destination;

import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.naming.conventions.StringConvention;
import jakarta.inject.Singleton;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The destinations configured under {@code profilehub.destinations.<name>}, read and checked once at start-up. A
 * destination with an unknown type or without url or token stops the service with a message naming the key.
 */
@Singleton
public class Destinations {
    private static final String PREFIX = "profilehub.destinations";
    private static final Set<String> COMMON_KEYS = Set.of("type", "url", "token", "enabled", "workspaces",
            "concurrency", "rate-limit", "timeout", "batch-size");

    private final Map<String, DestinationSettings> byName;

    public Destinations(Environment environment, List<ConnectorFactory> factories) {
        Set<String> types = factories.stream().map(ConnectorFactory::type).collect(Collectors.toSet());
        Map<String, DestinationSettings> read = new TreeMap<>();
        for (String name : environment.getPropertyEntries(PREFIX)) {
            Map<String, Object> raw = environment.getProperties(PREFIX + "." + name, StringConvention.RAW);
            if (!raw.containsKey("type") && !raw.containsKey("url") && !raw.containsKey("token")) {
                // One of the aliases Micronaut derives from an environment variable such as
                // PROFILEHUB_DESTINATIONS_CRM_HOOK_TYPE ("crm" holding "hook.type"), not a destination.
                continue;
            }
            read.put(name, parse(name, raw, types));
        }
        // Not Map.copyOf: its iteration order is unspecified and differs from one JVM to the next.
        this.byName = Collections.unmodifiableMap(read);
    }

    static DestinationSettings parse(String name, Map<String, Object> raw, Set<String> types) {
        String key = PREFIX + "." + name;
        Map<String, Object> values = new LinkedHashMap<>();
        raw.forEach((k, v) -> values.put(optionKey(k), v));
        String type = string(values.get("type"));
        if (type == null) {
            throw new ConfigurationException(key + ".type is missing; set it to one of " + new TreeSet<>(types));
        }
        if (!types.contains(type)) {
            throw new ConfigurationException(key + ".type '" + type + "' is not a known destination type; use one of "
                    + new TreeSet<>(types));
        }
        String url = string(values.get("url"));
        if (url == null) {
            throw new ConfigurationException(key + ".url is missing");
        }
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(key + ".url '" + url + "' is not an http(s) URL");
        }
        String token = string(values.get("token"));
        if (token == null) {
            throw new ConfigurationException(key + ".token is missing");
        }
        boolean enabled = !"false".equalsIgnoreCase(string(values.getOrDefault("enabled", "true")));
        List<String> workspaces = list(values.get("workspaces"));
        int concurrency = integer(key + ".concurrency", values.get("concurrency"), 4);
        Double rateLimit = values.get("rate-limit") == null ? null : decimal(key + ".rate-limit", values.get("rate-limit"));
        Duration timeout = duration(key + ".timeout", values.get("timeout"), Duration.ofSeconds(10));
        Integer batchSize = values.get("batch-size") == null ? null : integer(key + ".batch-size", values.get("batch-size"), 1);
        Map<String, Object> options = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (!COMMON_KEYS.contains(k)) {
                options.put(k, v);
            }
        });
        return new DestinationSettings(name, type, uri, token, enabled, workspaces, concurrency, rateLimit, timeout,
                batchSize, Map.copyOf(options));
    }

    /**
     * Normalises the option name (the first segment) to lower-kebab-case but keeps what follows it as written:
     * in {@code mapping.traits.firstName} the nested segments name profile keys, which are case-sensitive.
     */
    static String optionKey(String key) {
        int dot = key.indexOf('.');
        String name = dot < 0 ? key : key.substring(0, dot);
        return name.replace('_', '-').toLowerCase() + (dot < 0 ? "" : key.substring(dot));
    }

    public Collection<DestinationSettings> all() {
        return byName.values();
    }

    public Optional<DestinationSettings> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Names of the destinations that receive the changes of this workspace, in a stable order. */
    public List<String> namesFor(String workspaceId) {
        List<String> names = new ArrayList<>();
        for (DestinationSettings d : byName.values()) {
            if (d.servesWorkspace(workspaceId)) {
                names.add(d.name());
            }
        }
        return names;
    }

    private static String string(Object value) {
        if (value == null) {
            return null;
        }
        String s = value.toString().trim();
        return s.isEmpty() ? null : s;
    }

    private static List<String> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof Collection<?> c) {
            return c.stream().map(Object::toString).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        return Arrays.stream(value.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int integer(String key, Object value, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.toString().trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(key + " must be a positive whole number, not '" + value + "'");
        }
    }

    private static double decimal(String key, Object value) {
        try {
            double d = Double.parseDouble(value.toString().trim());
            if (!(d > 0)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(key + " must be a positive number of requests per second, not '" + value + "'");
        }
    }

    private static Duration duration(String key, Object value, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        String s = value.toString().trim().toLowerCase();
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            }
            if (s.startsWith("pt")) {
                return Duration.parse(s);
            }
            return Duration.ofMillis(Long.parseLong(s));
        } catch (RuntimeException e) {
            throw new ConfigurationException(key + " must be a duration such as 10s or 500ms, not '" + value + "'");
        }
    }
}
