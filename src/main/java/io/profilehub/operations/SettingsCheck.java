package io.profilehub.operations;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.ConfigurationReader;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Property;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.EnvironmentPropertySource;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.annotation.AnnotationValue;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.convert.ArgumentConversionContext;
import io.micronaut.core.convert.ConversionContext;
import io.micronaut.core.beans.BeanIntrospector;
import io.micronaut.core.naming.NameUtils;
import io.micronaut.core.order.Ordered;
import io.micronaut.core.type.Argument;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.inject.BeanDefinitionReference;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks every {@code profilehub.*} setting before anything else starts: a key no part of ProfileHub reads, a value
 * that does not convert to its type, or one its configuration class's constraints refuse stops start-up with one
 * sentence naming the key (the framework would ignore the first, fall back to the default for the second, and
 * throw the third only when a request first needs the bean: a service reporting UP and answering 500).
 *
 * <p>The known keys are not listed here: they are read from the bean definitions of ProfileHub's own classes, so a
 * setting added anywhere is known without touching this class. A key is known when a configuration class binds it
 * ({@code @ConfigurationProperties}; below an {@code @EachProperty} prefix its owner checks the keys, as
 * {@code Destinations} does), when an annotation of a ProfileHub bean names it ({@code @Value("${profilehub.x:…}")},
 * {@code @Scheduled(fixedDelay = "${…}")}, {@code @Requires(property = …)}), or when another setting's value refers
 * to it (a {@code ${profilehub.x}} placeholder in {@code application.yml}).
 */
@Context
@Order(Ordered.HIGHEST_PRECEDENCE)
public class SettingsCheck {
    static final String PREFIX = "profilehub.";
    private static final String ENV_PREFIX = "PROFILEHUB_";
    private static final String OWN_PACKAGE = "io.profilehub.";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{\\s*(profilehub\\.[A-Za-z0-9.\\-\\[\\]]+)");
    private static final Set<Class<?>> SCALARS = Set.of(String.class, CharSequence.class, Boolean.class,
            boolean.class, Integer.class, int.class, Long.class, long.class, Double.class, double.class,
            Float.class, float.class, Short.class, short.class, Duration.class);

    /**
     * {@code ignoredVariables}: {@code PROFILEHUB_} environment variables that belong to tools around the service,
     * not to it (the test suite's {@code PROFILEHUB_TEST_DB_URL}, say), which the check passes over.
     */
    @ConfigurationProperties("profilehub.settings-check")
    public record Settings(@Nullable List<String> ignoredVariables) {
    }

    /** A key some part of ProfileHub reads; {@code type} when it is known (for the conversion check). */
    record Known(String key, Argument<?> type, Class<?> owner) {
        Known(String key, Argument<?> type) {
            this(key, type, null);
        }

        boolean hasChildren() {
            return type != null && !SCALARS.contains(type.getType()) && !type.getType().isEnum();
        }
    }

    public SettingsCheck(ApplicationContext context, Validator validator) {
        Environment environment = context.getEnvironment();
        StartupFailure.remember(environment);
        Map<String, Known> known = new TreeMap<>();
        Set<String> delegated = new TreeSet<>();
        List<BeanDefinition<?>> readers = new ArrayList<>();
        for (BeanDefinitionReference<?> reference : context.getBeanDefinitionReferences()) {
            if (!reference.getBeanDefinitionName().startsWith(OWN_PACKAGE) || !reference.isPresent()) {
                continue;
            }
            BeanDefinition<?> definition = reference.load(context);
            collect(definition, known, delegated, readers);
        }
        placeholdersInValues(environment).forEach(key -> known.putIfAbsent(key, new Known(key, null)));

        Set<String> ignored = new TreeSet<>(environment.getProperty("profilehub.settings-check.ignored-variables",
                Argument.listOf(String.class)).orElse(List.of()));
        unknownKeys(environment, known.values(), delegated, ignored);
        for (Known key : known.values()) {
            convertible(environment, validator, key);
        }
        // Nested configuration classes first (profilehub.outbox.retry before profilehub.outbox), so a refusal is
        // reported with the prefix of the class that holds the key.
        readers.sort(Comparator.comparing((BeanDefinition<?> d) -> prefix(d).length()).reversed());
        for (BeanDefinition<?> reader : readers) {
            valid(context, reader);
        }
    }

    private static void collect(BeanDefinition<?> definition, Map<String, Known> known, Set<String> delegated,
                                List<BeanDefinition<?>> readers) {
        if (definition.hasStereotype(ConfigurationReader.class)) {
            String prefix = prefix(definition);
            if (definition.hasDeclaredStereotype(EachProperty.class) || prefix.contains("*")) {
                // Its owner checks the keys below it (Destinations knows each destination type's options).
                String fixed = prefix.contains("*") ? prefix.substring(0, prefix.indexOf('*')) : prefix + ".";
                if (fixed.startsWith(PREFIX)) {
                    delegated.add(fixed);
                }
            } else if (prefix.startsWith(PREFIX)) {
                readers.add(definition);
            }
        }
        if (definition.getConstructor() != null) {
            for (Argument<?> argument : definition.getConstructor().getArguments()) {
                injected(argument.getAnnotationMetadata(), argument, known);
                // A configuration record: its components' constraints judge the value before the record is made.
                Optional<String> property = argument.getAnnotationMetadata().stringValue(Property.class, "name");
                if (property.isPresent() && known.containsKey(property.get()) && definition.getBeanType().isRecord()) {
                    known.put(property.get(), new Known(property.get(), argument, definition.getBeanType()));
                }
            }
        }
        definition.getInjectedFields().forEach(field -> injected(field.getAnnotationMetadata(),
                field.asArgument(), known));
        definition.getInjectedMethods().forEach(method -> {
            Argument<?>[] arguments = method.getArguments();
            injected(method.getAnnotationMetadata(), arguments.length == 1 ? arguments[0] : null, known);
            for (Argument<?> argument : arguments) {
                injected(argument.getAnnotationMetadata(), argument, known);
            }
        });
        named(definition.getAnnotationMetadata(), known);
        definition.getExecutableMethods().forEach(method -> named(method.getAnnotationMetadata(), known));
    }

    /** A value injected by {@code @Property(name)} (configuration classes) or {@code @Value("${key:default}")}. */
    private static void injected(AnnotationMetadata metadata, Argument<?> argument, Map<String, Known> known) {
        Optional<String> property = metadata.stringValue(Property.class, "name");
        if (property.isPresent() && property.get().startsWith(PREFIX)) {
            known.put(property.get(), new Known(property.get(), argument));
            return;
        }
        Optional<String> value = metadata.stringValue(Value.class);
        if (value.isPresent()) {
            Matcher whole = Pattern.compile("\\$\\{\\s*(profilehub\\.[A-Za-z0-9.\\-]+)\\s*(:[^}]*)?}")
                    .matcher(value.get().trim());
            if (whole.matches()) {
                known.put(whole.group(1), new Known(whole.group(1), argument));
            }
        }
        named(metadata, known);
    }

    /** Keys named by any annotation: placeholders in its values, and {@code @Requires(property = …)}. */
    private static void named(AnnotationMetadata metadata, Map<String, Known> known) {
        for (String annotation : metadata.getAnnotationNames()) {
            for (Object value : metadata.getValues(annotation).values()) {
                strings(value, string -> {
                    Matcher m = PLACEHOLDER.matcher(string);
                    while (m.find()) {
                        known.putIfAbsent(m.group(1), new Known(m.group(1), null));
                    }
                    if (annotation.endsWith(".Requires") && string.startsWith(PREFIX) && !string.contains(" ")) {
                        known.putIfAbsent(string, new Known(string, null));
                    }
                });
            }
        }
    }

    private static void strings(Object value, java.util.function.Consumer<String> each) {
        if (value instanceof CharSequence s) {
            each.accept(s.toString());
        } else if (value instanceof Object[] array) {
            for (Object element : array) {
                strings(element, each);
            }
        } else if (value instanceof AnnotationValue<?> nested) {
            nested.getValues().values().forEach(v -> strings(v, each));
        }
    }

    /** Keys that other settings' values refer to, as written in their sources (before placeholders resolve). */
    private static Set<String> placeholdersInValues(Environment environment) {
        Set<String> keys = new TreeSet<>();
        for (PropertySource source : environment.getPropertySources()) {
            for (String key : source) {
                strings(source.get(key), string -> {
                    Matcher m = PLACEHOLDER.matcher(string);
                    while (m.find()) {
                        keys.add(m.group(1));
                    }
                });
            }
        }
        return keys;
    }

    private static String prefix(BeanDefinition<?> definition) {
        return definition.stringValue(ConfigurationReader.class, "prefix").orElse("");
    }

    /** Every key under {@code profilehub.} that some source sets and nothing reads stops start-up, named. */
    private static void unknownKeys(Environment environment, Collection<Known> known, Set<String> delegated,
                                    Set<String> ignored) {
        Map<String, String> unknown = new LinkedHashMap<>();
        for (PropertySource source : environment.getPropertySources()) {
            boolean variables = EnvironmentPropertySource.NAME.equals(source.getName());
            for (String key : source) {
                if (variables) {
                    String variable = key.toUpperCase();
                    if (variable.startsWith(ENV_PREFIX) && !ignored.contains(variable)
                            && !knownVariable(variable, known, delegated)) {
                        unknown.put(variable, "the environment variable " + variable + " is not a ProfileHub setting"
                                + suggestion(variable, known, true));
                    }
                } else if (key.startsWith(PREFIX)) {
                    String plain = key.replaceAll("\\[[^]]*]", "");
                    if (!knownKey(plain, known, delegated)) {
                        unknown.put(plain, plain + " is not a ProfileHub setting" + suggestion(plain, known, false));
                    }
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigurationException(String.join("; ", new TreeMap<>(unknown).values())
                    + " (a misspelt setting would otherwise be ignored)");
        }
    }

    private static boolean knownKey(String key, Collection<Known> known, Set<String> delegated) {
        String normal = normal(key);
        if (delegated.stream().anyMatch(normal::startsWith)) {
            return true;
        }
        for (Known k : known) {
            if (normal.equals(k.key()) || (k.hasChildren() && normal.startsWith(k.key() + "."))) {
                return true;
            }
        }
        return false;
    }

    private static boolean knownVariable(String variable, Collection<Known> known, Set<String> delegated) {
        if (delegated.stream().anyMatch(d -> variable.startsWith(variableOf(d)))) {
            return true;
        }
        for (Known k : known) {
            String name = variableOf(k.key());
            if (variable.equals(name) || (k.hasChildren() && variable.startsWith(name + "_"))) {
                return true;
            }
        }
        return false;
    }

    /** Segments in lower kebab case, as the framework reads them ({@code maxProfileBytes} = {@code max-profile-bytes}). */
    private static String normal(String key) {
        StringBuilder out = new StringBuilder();
        for (String segment : key.split("\\.")) {
            out.append(out.isEmpty() ? "" : ".").append(NameUtils.hyphenate(segment));
        }
        return out.toString();
    }

    private static String variableOf(String key) {
        return key.toUpperCase().replace('.', '_').replace('-', '_');
    }

    /** The known key closest to a misspelt one: by its last words first (a word left out, a plural), then in all. */
    static String suggestion(String wrong, Collection<Known> known, boolean variable) {
        String target = variable ? wrong : normal(wrong);
        String best = null;
        int bestScore = Integer.MAX_VALUE;
        for (Known k : known) {
            String candidate = variable ? variableOf(k.key()) : k.key();
            int score = Math.min(distance(target, candidate), 3 * distance(last(target, variable),
                    last(candidate, variable)) + (first(target, variable).equals(first(candidate, variable)) ? 0 : 9));
            if (score < bestScore) {
                bestScore = score;
                best = variable ? candidate + " (" + k.key() + ")" : candidate;
            }
        }
        return best != null && bestScore <= Math.max(4, target.length() / 4) ? "; did you mean " + best + "?" : "";
    }

    /** The setting's own name: the last segment ({@code max-attempts}). */
    private static String last(String key, boolean variable) {
        if (variable) {
            String[] words = key.split("_");
            return words.length < 2 ? key : words[words.length - 2] + "_" + words[words.length - 1];
        }
        return key.substring(key.lastIndexOf('.') + 1);
    }

    /** The group the setting is in ({@code outbox}). */
    private static String first(String key, boolean variable) {
        String[] parts = key.split(variable ? "_" : "\\.");
        return parts.length > 1 ? parts[1].toLowerCase() : "";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /**
     * A set value must convert to the type that reads it: the framework would otherwise bind the default instead
     * ({@code PROFILEHUB_OUTBOX_LEASE=abc} ran with 60 s) or, for a boolean, read any word but "true" as false.
     */
    private static void convertible(Environment environment, Validator validator, Known key) {
        if (key.type() == null || key.hasChildren() || !environment.containsProperty(key.key())) {
            return;
        }
        Optional<String> raw = environment.getProperty(key.key(), String.class);
        if (raw.isEmpty()) {
            return;
        }
        Class<?> type = key.type().getType();
        boolean ok;
        ArgumentConversionContext<?> conversion = ConversionContext.of(key.type());
        Optional<?> value = environment.getProperty(key.key(), conversion);
        if (type == Boolean.class || type == boolean.class) {
            ok = raw.get().trim().equalsIgnoreCase("true") || raw.get().trim().equalsIgnoreCase("false");
        } else {
            ok = value.isPresent() && conversion.getLastError().isEmpty();
        }
        if (!ok) {
            throw new ConfigurationException(key.key() + " cannot be read from '" + raw.get() + "': it must be "
                    + expected(type));
        }
        if (value.orElse(null) instanceof Duration duration && duration.isNegative()) {
            throw new ConfigurationException(key.key() + " must not be negative, not '" + raw.get() + "'");
        }
        // A class without constraints is not introspected for validation: nothing to judge there.
        if (key.owner() != null && BeanIntrospector.SHARED.findIntrospection(key.owner()).isPresent()) {
            List<String> refused = validator.validateValue(key.owner(), key.type().getName(), value.get()).stream()
                    .map(v -> key.key() + " " + v.getMessage() + ", not '" + raw.get() + "'").sorted().toList();
            if (!refused.isEmpty()) {
                throw new ConfigurationException(String.join("; ", refused));
            }
        }
    }

    private static String expected(Class<?> type) {
        if (type == Duration.class) {
            return "a duration such as 500ms, 30s, 5m, 2h or 7d";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase();
        }
        return "a " + type.getSimpleName();
    }

    /**
     * Creates the configuration class now, so its constraints (jakarta validation, checks in its constructor) are
     * judged at start-up, and states a refusal with the whole key.
     */
    private static void valid(ApplicationContext context, BeanDefinition<?> reader) {
        try {
            context.getBean(reader);
        } catch (RuntimeException e) {
            throw new ConfigurationException(refusal(prefix(reader), e), e);
        }
    }

    static String refusal(String prefix, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConstraintViolationException violations && !violations.getConstraintViolations().isEmpty()) {
                return violations.getConstraintViolations().stream()
                        .map(v -> sentence(prefix, v))
                        .sorted().reduce((a, b) -> a + "; " + b).orElseThrow();
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        return message.startsWith(PREFIX) ? message : prefix + " cannot be used: " + message;
    }

    private static String sentence(String prefix, ConstraintViolation<?> violation) {
        String path = violation.getPropertyPath().toString();
        // A record's constraints are on its constructor: the path is <init>.<component>.
        String property = path.substring(path.lastIndexOf('.') + 1);
        return prefix + "." + NameUtils.hyphenate(property) + " " + violation.getMessage() + ", not '"
                + violation.getInvalidValue() + "'";
    }
}
