package io.profilehub.destination;

import io.micronaut.context.env.Environment;
import io.micronaut.context.env.EnvironmentPropertySource;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.naming.conventions.StringConvention;
import io.micronaut.core.type.Argument;
import io.micronaut.core.value.PropertyResolver;
import jakarta.inject.Singleton;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The destinations configured under {@code profilehub.destinations.<name>}, read and checked once at start-up from
 * every property source (files, system properties, environment variables, with Micronaut's precedence). Values are
 * converted by the framework. A destination with an unknown type, without url or token, or with a key its type does
 * not know stops the service with a message naming the key.
 */
@Singleton
public class Destinations {
    static final String PREFIX = "profilehub.destinations";
    private static final String ENV_PREFIX = "PROFILEHUB_DESTINATIONS_";
    static final Set<String> COMMON_KEYS = Set.of("type", "url", "token", "enabled", "workspaces",
            "concurrency", "rate-limit", "timeout", "batch-size");
    private static final Set<String> REQUIRED = Set.of("type", "url", "token");

    private final Map<String, DestinationSettings> byName;

    public Destinations(Environment environment, List<ConnectorFactory> factories) {
        Map<String, ConnectorFactory> byType = factories.stream()
                .collect(Collectors.toMap(ConnectorFactory::type, Function.identity()));
        Set<String> names = new TreeSet<>(environment.getPropertyEntries(PREFIX));
        Map<String, Set<String>> keys = new TreeMap<>();
        for (String name : names) {
            Set<String> own = new LinkedHashSet<>();
            environment.getProperties(PREFIX + "." + name, StringConvention.RAW).keySet()
                    .forEach(k -> own.add(optionKey(k)));
            keys.put(name, own);
        }
        environmentKeys(environment, byType.values())
                .forEach((name, k) -> keys.computeIfAbsent(name, n -> new LinkedHashSet<>()).addAll(k));
        Map<String, DestinationSettings> read = new TreeMap<>();
        keys.forEach((name, own) -> {
            // Micronaut derives several names from one environment variable (PROFILEHUB_DESTINATIONS_CRM_HOOK_TYPE
            // gives "crm" holding "hook.type" as well as "crm-hook"): a name with none of the required keys is one
            // of those aliases, not a destination.
            if (REQUIRED.stream().anyMatch(k -> present(environment, name, k))) {
                read.put(name, parse(name, own, environment, byType));
            }
        });
        // Not Map.copyOf: its iteration order is unspecified and differs from one JVM to the next.
        this.byName = Collections.unmodifiableMap(read);
    }

    private static boolean present(PropertyResolver values, String name, String key) {
        return values.getProperty(PREFIX + "." + name + "." + key, String.class).filter(s -> !s.isBlank()).isPresent();
    }

    /**
     * The destinations and option keys that environment variables give. Known keys are found by the framework's own
     * lookup, but it lists no destination whose name has a dash ({@code CRM_HOOK}) and cannot guess
     * {@code mapping.traits.<key>} or a misspelt key. Environment variable names carry neither case nor dashes: a
     * variable splits where the rest is a known key, at the shortest name ({@code CRM_HOOK_RATE_LIMIT}: destination
     * {@code crm-hook}, key {@code rate-limit}), and a mapping key arrives in lower case. A variable whose rest is no
     * known key anywhere goes to its first word's destination, which then refuses that key.
     */
    static Map<String, Set<String>> environmentKeys(Environment environment, Collection<ConnectorFactory> factories) {
        Set<String> known = new TreeSet<>(COMMON_KEYS);
        factories.forEach(f -> known.addAll(f.options()));
        Map<String, Set<String>> keys = new TreeMap<>();
        for (PropertySource source : environment.getPropertySources()) {
            if (!EnvironmentPropertySource.NAME.equals(source.getName())) {
                continue;
            }
            for (String variable : source) {
                if (!variable.startsWith(ENV_PREFIX)) {
                    continue;
                }
                String[] words = variable.substring(ENV_PREFIX.length()).toLowerCase().split("_");
                if (words.length < 2) {
                    continue;
                }
                String name = words[0];
                String option = optionOf(String.join("_", List.of(words).subList(1, words.length)), known);
                for (int split = 1; split < words.length; split++) {
                    String tail = String.join("_", List.of(words).subList(split, words.length));
                    if (isKnown(optionOf(tail, known), known)) {
                        name = String.join("-", List.of(words).subList(0, split));
                        option = optionOf(tail, known);
                        break;
                    }
                }
                keys.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(option);
            }
        }
        return keys;
    }

    private static String environmentName(String key) {
        return key.toLowerCase().replace('-', '_').replace('.', '_');
    }

    /** The option an environment variable's tail ({@code rate_limit}, {@code mapping_traits_plan}) stands for. */
    private static String optionOf(String tail, Set<String> known) {
        for (String key : known) {
            if (key.endsWith(".")) {
                String prefix = environmentName(key);
                if (tail.startsWith(prefix) && tail.length() > prefix.length()) {
                    return key + tail.substring(prefix.length());
                }
            } else if (environmentName(key).equals(tail)) {
                return key;
            }
        }
        return tail.replace('_', '-');
    }

    private static boolean isKnown(String key, Set<String> known) {
        return known.contains(key) || known.stream().anyMatch(k -> k.endsWith(".") && key.startsWith(k)
                && key.length() > k.length());
    }

    /**
     * Reads destination {@code name} whose option keys are {@code keys} (common ones and type-specific ones alike);
     * each value is looked up in {@code values}, so the property source of highest precedence wins.
     */
    static DestinationSettings parse(String name, Set<String> keys, PropertyResolver values,
                                     Map<String, ConnectorFactory> factories) {
        String key = PREFIX + "." + name;
        Set<String> types = new TreeSet<>(factories.keySet());
        String type = string(values, key + ".type");
        if (type == null) {
            throw new ConfigurationException(key + ".type is missing; set it to one of " + types);
        }
        ConnectorFactory factory = factories.get(type);
        if (factory == null) {
            throw new ConfigurationException(key + ".type '" + type + "' is not a known destination type; use one of "
                    + types);
        }
        for (String option : keys) {
            if (!COMMON_KEYS.contains(option) && !isKnown(option, factory.options())) {
                Set<String> known = new TreeSet<>(COMMON_KEYS);
                known.addAll(factory.options());
                throw new ConfigurationException(key + "." + option + " is not an option of " + type
                        + " destinations; known options are " + known.stream()
                        .map(k -> k.endsWith(".") ? k + "<key>" : k).toList());
            }
        }
        String url = string(values, key + ".url");
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
        String token = string(values, key + ".token");
        if (token == null) {
            throw new ConfigurationException(key + ".token is missing");
        }
        String enabledValue = string(values, key + ".enabled");
        if (enabledValue != null && !Set.of("true", "false").contains(enabledValue.toLowerCase())) {
            // The framework reads any other word as false: a typo would silently switch a destination off.
            throw new ConfigurationException(key + ".enabled must be true or false, not '" + enabledValue + "'");
        }
        boolean enabled = typed(values, key + ".enabled", Boolean.class, "true or false").orElse(true);
        List<String> workspaces = typed(values, key + ".workspaces", Argument.listOf(String.class), "a list of workspaces")
                .orElse(List.of()).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        int concurrency = positive(key + ".concurrency",
                typed(values, key + ".concurrency", Integer.class, "a positive whole number")).orElse(4);
        Double rateLimit = positive(key + ".rate-limit",
                typed(values, key + ".rate-limit", Double.class, "a positive number of requests per second")).orElse(null);
        Duration timeout = typed(values, key + ".timeout", Duration.class, "a duration such as 10s or 500ms")
                .orElse(Duration.ofSeconds(10));
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigurationException(key + ".timeout must be longer than zero, not " + timeout);
        }
        Integer batchSize = positive(key + ".batch-size",
                typed(values, key + ".batch-size", Integer.class, "a positive whole number")).orElse(null);
        Map<String, Object> options = new LinkedHashMap<>();
        for (String option : keys) {
            if (!COMMON_KEYS.contains(option)) {
                options.put(option, values.getProperty(key + "." + option, String.class).orElse(""));
            }
        }
        return new DestinationSettings(name, type, uri, token, enabled, workspaces, concurrency, rateLimit, timeout,
                batchSize, Collections.unmodifiableMap(options));
    }

    /**
     * Normalises the option name (the first segment) to lower-kebab-case but keeps what follows it as written:
     * in {@code mapping.traits.firstName} the nested segments name profile keys, which are case-sensitive. A list
     * element ({@code workspaces[0]}) counts as its list.
     */
    static String optionKey(String key) {
        int bracket = key.indexOf('[');
        String k = bracket < 0 ? key : key.substring(0, bracket);
        int dot = k.indexOf('.');
        String name = dot < 0 ? k : k.substring(0, dot);
        return name.replace('_', '-').toLowerCase() + (dot < 0 ? "" : k.substring(dot));
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

    private static String string(PropertyResolver values, String key) {
        return values.getProperty(key, String.class).map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
    }

    /** The framework's conversion of a value; a value it cannot convert stops start-up instead of being dropped. */
    private static <T> Optional<T> typed(PropertyResolver values, String key, Class<T> type, String expected) {
        return typed(values, key, Argument.of(type), expected);
    }

    private static <T> Optional<T> typed(PropertyResolver values, String key, Argument<T> type, String expected) {
        String raw = string(values, key);
        if (raw == null) {
            return Optional.empty();
        }
        Optional<T> value = values.getProperty(key, type);
        if (value.isEmpty()) {
            throw new ConfigurationException(key + " must be " + expected + ", not '" + raw + "'");
        }
        return value;
    }

    private static <T extends Number> Optional<T> positive(String key, Optional<T> value) {
        value.filter(n -> !(n.doubleValue() > 0)).ifPresent(n -> {
            throw new ConfigurationException(key + " must be greater than zero, not " + n);
        });
        return value;
    }
}
