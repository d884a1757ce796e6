package io.profilehub.destination;

import io.micronaut.context.BeanContext;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.EnvironmentPropertySource;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.BeanInstantiationException;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.context.exceptions.DependencyInjectionException;
import io.micronaut.core.beans.BeanWrapper;
import io.micronaut.core.naming.NameUtils;
import io.micronaut.core.naming.conventions.StringConvention;
import io.micronaut.core.value.PropertyResolver;
import io.micronaut.inject.qualifiers.Qualifiers;
import jakarta.validation.Validator;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The destinations configured under {@code profilehub.destinations.<name>}, read and checked once at start-up from
 * every property source (files, system properties, environment variables, with Micronaut's precedence). The common
 * keys are bound and validated by the framework ({@link DestinationProperties}); the type-specific options are
 * listed here, since only the type knows them. A destination with an unknown type, of an HTTP type without url or
 * token, with a value that does not convert or validate, or with a key its type does not know stops the service with
 * a message naming the key.
 */
@Singleton
public class Destinations {
    static final String PREFIX = "profilehub.destinations";
    private static final String ENV_PREFIX = "PROFILEHUB_DESTINATIONS_";
    static final Set<String> COMMON_KEYS = Set.of("type", "url", "token", "enabled", "workspaces",
            "concurrency", "rate-limit", "timeout", "batch-size");
    private static final Set<String> REQUIRED = Set.of("type", "url", "token");
    /** A constraint violation as the framework words it when it validates a bean it binds. */
    private static final Pattern VIOLATION = Pattern.compile(
            DestinationProperties.class.getSimpleName() + "\\.(\\w+) - ([^\\n]+)");
    private static final int DEFAULT_CONCURRENCY = 4;
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Map<String, DestinationSettings> byName;

    public Destinations(Environment environment, List<ConnectorFactory> factories, BeanContext beans,
                        Validator validator) {
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
                read.put(name, parse(name, own, bound(beans, environment, validator, name), environment, byType));
            }
        });
        // Not Map.copyOf: its iteration order is unspecified and differs from one JVM to the next.
        this.byName = Collections.unmodifiableMap(read);
    }

    /**
     * The framework's binding of destination {@code name}, validated; a value it cannot convert or the validator
     * refuses stops start-up with a message naming the key. The framework validates the bean as it binds it and
     * names only the property in its message, so that message is restated with the whole key.
     */
    private static DestinationProperties bound(BeanContext beans, PropertyResolver values, Validator validator,
                                               String name) {
        DestinationProperties properties;
        try {
            properties = beans.findBean(DestinationProperties.class, Qualifiers.byName(name))
                    .orElseGet(() -> boundByHand(values, name));
        } catch (BeanInstantiationException | DependencyInjectionException e) {
            List<String> problems = new ArrayList<>();
            for (Throwable t = e; t != null && problems.isEmpty(); t = t.getCause() == t ? null : t.getCause()) {
                Matcher violation = VIOLATION.matcher(String.valueOf(t.getMessage()));
                while (violation.find()) {
                    problems.add(PREFIX + "." + name + "." + NameUtils.hyphenate(violation.group(1)) + " "
                            + violation.group(2).trim());
                }
            }
            throw new ConfigurationException(problems.isEmpty()
                    ? PREFIX + "." + name + " cannot be read: " + reason(e) : String.join("; ", problems), e);
        }
        // Checked here too, so that the constraints hold however the framework is set up to validate beans.
        List<String> problems = validator.validate(properties).stream()
                .map(v -> PREFIX + "." + name + "." + NameUtils.hyphenate(v.getPropertyPath().toString()) + " "
                        + v.getMessage() + ", not '" + v.getInvalidValue() + "'")
                .sorted().toList();
        if (!problems.isEmpty()) {
            throw new ConfigurationException(String.join("; ", problems));
        }
        return properties;
    }

    /**
     * The same binding for a destination the framework makes no block of: it lists none for a name with a dash that
     * only environment variables give ({@code PROFILEHUB_DESTINATIONS_CRM_HOOK_URL}), although it resolves each of
     * its keys. Each common key is set through the bean's introspection, which converts it with the framework's
     * conversion service as binding would.
     */
    private static DestinationProperties boundByHand(PropertyResolver values, String name) {
        BeanWrapper<DestinationProperties> bean = BeanWrapper.getWrapper(new DestinationProperties(name));
        for (String key : COMMON_KEYS) {
            String full = PREFIX + "." + name + "." + key;
            values.getProperty(full, Object.class).ifPresent(value -> {
                try {
                    bean.setProperty(NameUtils.camelCase(key), value);
                } catch (RuntimeException e) {
                    throw new ConfigurationException(full + " cannot be read from '" + value + "': " + reason(e), e);
                }
            });
        }
        return bean.getBean();
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return e.getMessage() + (root == e ? "" : " (" + root.getMessage() + ")");
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
     * Destination {@code name} from its {@code bound} common keys and its option keys {@code keys}, whose values are
     * looked up in {@code values} (the property source of highest precedence wins).
     */
    static DestinationSettings parse(String name, Set<String> keys, DestinationProperties bound,
                                     PropertyResolver values, Map<String, ConnectorFactory> factories) {
        String key = PREFIX + "." + name;
        Set<String> types = new TreeSet<>(factories.keySet());
        String type = blankless(bound.getType());
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
        Map<String, Object> options = new LinkedHashMap<>();
        for (String option : keys) {
            if (!COMMON_KEYS.contains(option)) {
                options.put(option, values.getProperty(key + "." + option, String.class).orElse(""));
            }
        }
        URI uri;
        String token;
        if (factory.http()) {
            uri = httpUrl(key, bound);
            token = blankless(bound.getToken());
            if (token == null) {
                throw new ConfigurationException(key + ".token is missing");
            }
        } else {
            for (String common : List.of("url", "token")) {
                if (keys.contains(common)) {
                    throw new ConfigurationException(key + "." + common + " is not an option of " + type
                            + " destinations: they name where they send in " + factory.options().stream().sorted()
                            .map(k -> k.endsWith(".") ? k + "<key>" : k).toList());
                }
            }
            uri = factory.address(key, options);
            token = null;
        }
        String enabled = blankless(bound.getEnabled());
        List<String> workspaces = bound.getWorkspaces() == null ? List.of() : bound.getWorkspaces().stream()
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        Duration timeout = bound.getTimeout() == null ? DEFAULT_TIMEOUT : bound.getTimeout();
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigurationException(key + ".timeout must be longer than zero, not " + timeout);
        }
        return new DestinationSettings(name, type, uri, token, enabled == null || Boolean.parseBoolean(enabled),
                workspaces, bound.getConcurrency() == null ? DEFAULT_CONCURRENCY : bound.getConcurrency(),
                bound.getRateLimit(), timeout, bound.getBatchSize(), Collections.unmodifiableMap(options));
    }

    private static URI httpUrl(String key, DestinationProperties bound) {
        String url = blankless(bound.getUrl());
        if (url == null) {
            throw new ConfigurationException(key + ".url is missing");
        }
        try {
            URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(key + ".url '" + url + "' is not an http(s) URL");
        }
    }

    private static String blankless(String value) {
        return value == null || value.isBlank() ? null : value.trim();
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
}
