package io.profilehub.destination.mapping;

import io.micronaut.context.exceptions.ConfigurationException;
import io.profilehub.destination.DestinationSettings;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The type-specific options of one destination. Every key must be one its type knows, so a misspelt option stops
 * start-up instead of being silently ignored. Keys arrive flattened ({@code mapping.traits.firstName}); a nested map
 * from another property source is flattened the same way.
 */
public final class ConnectorOptions {
    public static final String USER_ID = "user-id";
    public static final String EMAIL = "email";
    public static final String IDENTIFIER_MAPPING = "mapping.identifiers.";
    public static final String TRAIT_MAPPING = "mapping.traits.";

    private final DestinationSettings settings;
    private final Map<String, String> values = new LinkedHashMap<>();

    private ConnectorOptions(DestinationSettings settings) {
        this.settings = settings;
        flatten("", settings.options(), values);
    }

    /** The option keys of a vendor type that knows {@code own} besides the keys every vendor type knows. */
    public static Set<String> vendorOptions(String... own) {
        Set<String> all = new TreeSet<>(Set.of(own));
        all.addAll(Set.of(USER_ID, EMAIL, IDENTIFIER_MAPPING, TRAIT_MAPPING));
        return Set.copyOf(all);
    }

    /** Reads the options of a destination whose type knows {@code known} besides the common mapping keys. */
    public static ConnectorOptions check(DestinationSettings settings, Set<String> known) {
        ConnectorOptions options = new ConnectorOptions(settings);
        Set<String> all = new TreeSet<>(known);
        all.add(USER_ID);
        all.add(EMAIL);
        for (String key : options.values.keySet()) {
            if (!all.contains(key) && !isMapping(key)) {
                throw new ConfigurationException(options.key(key) + " is not an option of " + settings.type()
                        + " destinations; known options are " + all + ", " + IDENTIFIER_MAPPING + "<identifier> and "
                        + TRAIT_MAPPING + "<trait>");
            }
        }
        return options;
    }

    private static boolean isMapping(String key) {
        return (key.startsWith(IDENTIFIER_MAPPING) && key.length() > IDENTIFIER_MAPPING.length())
                || (key.startsWith(TRAIT_MAPPING) && key.length() > TRAIT_MAPPING.length());
    }

    /** The identifier that holds the email: option {@code email}, by default {@code email}. */
    public String emailKey() {
        return get(EMAIL, "email");
    }

    /** The vendor type's default field mapping with the destination's {@code mapping.*} options over it. */
    public FieldMapping fieldMapping(Map<String, String> identifierDefaults, Map<String, String> traitDefaults) {
        return FieldMapping.of(this, emailKey(), identifierDefaults, traitDefaults);
    }

    /** How this destination resolves changes: the vendor user id from option {@code user-id}, else our profile id. */
    public ProfileChanges profileChanges(StoredProfiles profiles) {
        return new ProfileChanges(profiles, get(USER_ID, null));
    }

    /** The full configuration key of an option, for messages. */
    public String key(String option) {
        return "profilehub.destinations." + settings.name() + "." + option;
    }

    public String get(String option, String fallback) {
        String value = values.get(option);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    public String required(String option, String hint) {
        String value = get(option, null);
        if (value == null) {
            throw new ConfigurationException(key(option) + " is missing; " + hint);
        }
        return value;
    }

    /** One of a few words, compared case-insensitively. */
    public String choice(String option, String fallback, Set<String> allowed) {
        String value = get(option, fallback).toLowerCase();
        if (!allowed.contains(value)) {
            throw new ConfigurationException(key(option) + " must be one of " + new TreeSet<>(allowed) + ", not '"
                    + get(option, fallback) + "'");
        }
        return value;
    }

    /** Our key → vendor field, from the keys under {@code prefix} (profile keys keep their case). */
    public Map<String, String> mapping(String prefix) {
        Map<String, String> mapping = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                mapping.put(k.substring(prefix.length()), v == null ? "" : v.trim());
            }
        });
        return mapping;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> into) {
        map.forEach((k, v) -> {
            String key = prefix + k;
            if (v instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, into);
            } else {
                into.put(key, v == null ? null : v.toString());
            }
        });
    }
}
