package io.profilehub.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Makes the keys named in configuration exist at start-up ({@code profilehub.bootstrap.api-key} with every scope
 * in {@code profilehub.bootstrap.workspace}, and each entry of {@code profilehub.bootstrap.keys}), so a newcomer can
 * call the API at once. A key revoked through the API stays revoked. A weak key stops start-up unless the server
 * listens on loopback only. With {@code generate-if-none} (set for the embedded first run) and no key at all, a
 * strong key is generated and logged once, when the server has started; with neither, start-up says how to get in.
 */
@Context
public class BootstrapKeys {
    private static final Logger LOG = LoggerFactory.getLogger(BootstrapKeys.class);

    /** {@code keys}: further keys, each in a workspace of its own choosing, with the scopes it lists. */
    @ConfigurationProperties("profilehub.bootstrap")
    public record Settings(@Nullable String apiKey, @Nullable String workspace, @Nullable List<Key> keys,
                           @Nullable Boolean generateIfNone) {
    }

    /**
     * One entry of {@code profilehub.bootstrap.keys}; {@code scopes} empty or absent: every scope. The framework
     * binds {@code scopes[0]}, {@code scopes[1]}... as a list, but a list given as one comma-separated string
     * (properties, environment variables) arrives inside an entry as a single element: it is split here. Read as
     * anything but a list, it once fell back to every scope, so "profiles:read,profiles:write" silently granted admin.
     */
    @Introspected
    public record Key(@Nullable String workspace, @Nullable String key, @Nullable List<String> scopes) {
        public Key {
            scopes = scopes == null ? List.of() : scopes.stream()
                    .flatMap(listed -> Arrays.stream(listed.split(",")))
                    .map(String::trim).filter(scope -> !scope.isEmpty()).toList();
        }
    }

    private record Configured(String workspace, String key, Set<String> scopes, String property) {
    }

    private final ApiKeys apiKeys;
    private final String workspace;
    private final Set<String> scopes;
    private final boolean noneConfigured;
    private final boolean generateIfNone;
    private volatile boolean announced;

    public BootstrapKeys(Settings settings, ApiKeys apiKeys,
                         @Value("${micronaut.server.host:}") @Nullable String serverHost) {
        Set<String> all = Arrays.stream(Scope.values()).map(Scope::value).collect(Collectors.toCollection(LinkedHashSet::new));
        String workspace = settings.workspace() == null ? "default" : settings.workspace();
        List<Configured> configured = new ArrayList<>();
        if (settings.apiKey() != null && !settings.apiKey().isBlank()) {
            configured.add(new Configured(workspace, settings.apiKey().trim(), all, "profilehub.bootstrap.api-key"));
        }
        List<Key> keys = settings.keys() == null ? List.of() : settings.keys();
        for (int i = 0; i < keys.size(); i++) {
            Key entry = keys.get(i);
            String key = entry == null || entry.key() == null ? "" : entry.key().trim();
            String space = entry == null || entry.workspace() == null ? "" : entry.workspace().trim();
            if (key.isEmpty() || space.isEmpty()) {
                throw new ConfigurationException("each profilehub.bootstrap.keys entry needs a workspace and a key");
            }
            Set<String> scopes = new LinkedHashSet<>(entry.scopes());
            for (String scope : scopes) {
                if (Scope.of(scope).isEmpty()) {
                    throw new ConfigurationException("profilehub.bootstrap.keys: unknown scope '" + scope
                            + "'; use " + all);
                }
            }
            configured.add(new Configured(space, key, scopes.isEmpty() ? all : scopes,
                    "profilehub.bootstrap.keys[" + i + "].key"));
        }
        // Checked before anything is written: a refused start-up leaves no key behind.
        if (!KeyExposure.loopbackOnly(serverHost)) {
            for (Configured key : configured) {
                if (KeyExposure.weak(key.key())) {
                    throw new ConfigurationException(key.property() + " is weak (shorter than "
                            + KeyExposure.MIN_LENGTH + " characters, fewer than " + KeyExposure.MIN_DISTINCT
                            + " distinct characters, or a repeated string) and the server listens on "
                            + (serverHost == null || serverHost.isBlank() ? "every interface" : serverHost)
                            + ". Use a random key of at least 32 characters (e.g. `openssl rand -hex 24`), or "
                            + "listen on loopback only with micronaut.server.host=127.0.0.1.");
                }
            }
        }
        int active = 0;
        for (Configured key : configured) {
            if (apiKeys.ensure(key.workspace(), "bootstrap", key.key(), key.scopes())) {
                active++;
            } else {
                LOG.warn("Bootstrap: the key configured as {} was revoked (in this or another workspace) and stays "
                        + "refused; configure a new one", key.property());
            }
        }
        if (active > 0) {
            LOG.info("Bootstrap: {} configured API key(s) are active", active);
        }
        this.apiKeys = apiKeys;
        this.workspace = workspace;
        this.scopes = all;
        this.noneConfigured = configured.isEmpty();
        this.generateIfNone = Boolean.TRUE.equals(settings.generateIfNone());
    }

    /**
     * With no key configured: generate the first run's key, or say how to get in. Only once the server listens: a
     * start that failed before (a port in use, say) used to generate the one key shown, print it amid the failure's
     * stack trace, and leave every later start without a key or a hint.
     */
    @EventListener
    void onServerStarted(ServerStartupEvent event) {
        if (!noneConfigured || announced) {
            return;
        }
        announced = true;
        if (apiKeys.anyActive()) {
            if (generateIfNone) {
                LOG.info("API keys exist already; a first run's key is shown only once. Lost it? Start with "
                        + "PROFILEHUB_BOOTSTRAP_API_KEY=<a key of your own> to add one with every scope in "
                        + "workspace '{}'.", workspace);
            }
            return;
        }
        if (!generateIfNone) {
            LOG.warn("No API key is active and none is configured, so every request but /health answers 401. Set "
                    + "PROFILEHUB_BOOTSTRAP_API_KEY to a strong key (e.g. `openssl rand -hex 24`) and restart: it is "
                    + "made to exist with every scope in workspace '{}'.", workspace);
            return;
        }
        String secret = ApiKeys.newSecret();
        apiKeys.ensure(workspace, "generated", secret, scopes);
        // The one place a secret is logged: without it a first run would have no way in. Shown once only.
        LOG.warn("First run: generated the API key {} with every scope in workspace '{}'. It is shown only "
                + "this once; keep it, or set PROFILEHUB_BOOTSTRAP_API_KEY.", secret, workspace);
    }
}
