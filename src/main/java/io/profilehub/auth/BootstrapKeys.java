package io.profilehub.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Makes the keys named in configuration exist at start-up ({@code profilehub.bootstrap.api-key} with every scope
 * in {@code profilehub.bootstrap.workspace}, and each entry of {@code profilehub.bootstrap.keys}), so a newcomer can
 * call the API at once.
 */
@Context
public class BootstrapKeys {
    private static final Logger LOG = LoggerFactory.getLogger(BootstrapKeys.class);

    @ConfigurationProperties("profilehub.bootstrap")
    public record Settings(@Nullable String apiKey, @Nullable String workspace,
                           @Nullable List<Map<String, Object>> keys) {
    }

    public BootstrapKeys(Settings settings, ApiKeys apiKeys) {
        Set<String> all = Arrays.stream(Scope.values()).map(Scope::value).collect(Collectors.toCollection(LinkedHashSet::new));
        String workspace = settings.workspace() == null ? "default" : settings.workspace();
        int count = 0;
        if (settings.apiKey() != null && !settings.apiKey().isBlank()) {
            apiKeys.ensure(workspace, "bootstrap", settings.apiKey().trim(), all);
            count++;
        }
        if (settings.keys() != null) {
            for (Map<String, Object> entry : settings.keys()) {
                String key = entry.get("key") == null ? "" : entry.get("key").toString().trim();
                String space = entry.get("workspace") == null ? "" : entry.get("workspace").toString().trim();
                if (key.isEmpty() || space.isEmpty()) {
                    throw new ConfigurationException("each profilehub.bootstrap.keys entry needs a workspace and a key");
                }
                Set<String> scopes = scopes(entry.get("scopes"), all);
                for (String scope : scopes) {
                    if (Scope.of(scope).isEmpty()) {
                        throw new ConfigurationException("profilehub.bootstrap.keys: unknown scope '" + scope
                                + "'; use " + all);
                    }
                }
                apiKeys.ensure(space, "bootstrap", key, scopes);
                count++;
            }
        }
        if (count > 0) {
            LOG.info("Bootstrap: {} configured API key(s) are active", count);
        }
    }

    /*
     * Properties and environment variables give a list as one comma-separated string; read as anything but a list it
     * used to fall back to every scope, so "profiles:read,profiles:write" silently granted admin.
     */
    private static Set<String> scopes(@Nullable Object configured, Set<String> all) {
        List<String> listed;
        if (configured == null) {
            listed = List.of();
        } else if (configured instanceof List<?> list) {
            listed = list.stream().map(Object::toString).map(String::trim).toList();
        } else if (configured instanceof CharSequence text) {
            listed = Arrays.stream(text.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        } else {
            throw new ConfigurationException("profilehub.bootstrap.keys: 'scopes' must be a list of " + all);
        }
        return listed.isEmpty() ? all : new LinkedHashSet<>(listed);
    }
}
