package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides which identifier values resolve identity. Only top-level string or number values of the configured
 * unique keys count; junk (empty or blocklisted, case-insensitively) is kept as data but never matches, so a
 * thousand users sharing "anonymous" can never be merged into one.
 */
@Singleton
public class IdentityKeys {
    private final List<String> uniqueKeys;
    private final Set<String> caseInsensitive;
    private final Set<String> junk;

    public IdentityKeys(IdentityConfiguration config) {
        this.uniqueKeys = config.uniqueKeys();
        this.caseInsensitive = Set.copyOf(config.caseInsensitiveKeys());
        this.junk = config.junkValues().stream().map(v -> v.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }

    public boolean isUnique(String key) {
        return uniqueKeys.contains(key);
    }

    public List<String> uniqueKeys() {
        return uniqueKeys;
    }

    /** The unique-key values an identifiers object claims (nulls, junk and non-scalars left out). */
    public List<IdentityKey> extract(JsonNode identifiers) {
        List<IdentityKey> keys = new ArrayList<>();
        if (identifiers == null) {
            return keys;
        }
        for (String name : uniqueKeys) {
            normalize(name, identifiers.get(name)).ifPresent(value -> keys.add(new IdentityKey(name, value)));
        }
        return keys;
    }

    /** Which unique keys a patch touches at all (set, changed or removed). */
    public List<String> touched(JsonNode patch) {
        List<String> touched = new ArrayList<>();
        if (patch != null) {
            for (String name : uniqueKeys) {
                if (patch.has(name)) {
                    touched.add(name);
                }
            }
        }
        return touched;
    }

    public Optional<String> normalize(String name, JsonNode value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            return normalize(name, value.textValue());
        }
        if (value.isNumber()) {
            return normalize(name, value.asText());
        }
        return Optional.empty();
    }

    public Optional<String> normalize(String name, String raw) {
        String value = raw.trim();
        if (caseInsensitive.contains(name)) {
            value = value.toLowerCase(Locale.ROOT);
        }
        if (value.isEmpty() || junk.contains(value.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        return Optional.of(value);
    }
}
