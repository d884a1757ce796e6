package io.profilehub.destination.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a profile's keys go at one vendor: identifier or trait key → vendor field. A vendor type supplies defaults and
 * each destination may override them under {@code mapping.identifiers.*} and {@code mapping.traits.*}.
 * <ul>
 *   <li>Traits without a mapping keep their own key (they land among the vendor's custom properties); identifiers
 *   without one are not sent, because most are lookup keys rather than attributes.</li>
 *   <li>{@code -} (or an empty value) means "do not send this key".</li>
 *   <li>A field ending in {@code []} takes a list: a single value is sent as a one-element array.</li>
 * </ul>
 */
public final class FieldMapping {
    public static final String NOT_SENT = "-";
    private static final String LIST = "[]";

    private final Map<String, String> identifiers;
    private final Map<String, String> traits;

    public FieldMapping(Map<String, String> identifiers, Map<String, String> traits) {
        this.identifiers = Map.copyOf(identifiers);
        this.traits = Map.copyOf(traits);
    }

    /**
     * The type's defaults with the destination's overrides on top. The email default is given for key
     * {@code "email"} and moves to whichever identifier the destination says holds the email.
     */
    public static FieldMapping of(ConnectorOptions options, String emailKey, Map<String, String> identifierDefaults,
                                  Map<String, String> traitDefaults) {
        Map<String, String> ids = new LinkedHashMap<>(identifierDefaults);
        String emailField = ids.remove("email");
        if (emailField != null) {
            ids.put(emailKey, emailField);
        }
        ids.putAll(options.mapping(ConnectorOptions.IDENTIFIER_MAPPING));
        Map<String, String> tr = new LinkedHashMap<>(traitDefaults);
        tr.putAll(options.mapping(ConnectorOptions.TRAIT_MAPPING));
        return new FieldMapping(ids, tr);
    }

    public Optional<String> identifier(String key) {
        return field(identifiers.get(key));
    }

    public Optional<String> trait(String key) {
        return field(traits.getOrDefault(key, key));
    }

    private static Optional<String> field(String target) {
        if (target == null || target.isBlank() || target.equals(NOT_SENT)) {
            return Optional.empty();
        }
        return Optional.of(target);
    }

    /**
     * The changed keys of a change as vendor fields and values, identifiers first, so that a trait mapped to the same
     * field wins. A removed key keeps its null; whether to send that null is the vendor's mapping's call.
     */
    public Map<String, JsonNode> fields(ProfileChange change) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        change.identifiers().fields().forEachRemaining(e ->
                identifier(e.getKey()).ifPresent(f -> put(fields, f, e.getValue())));
        change.traits().fields().forEachRemaining(e ->
                trait(e.getKey()).ifPresent(f -> put(fields, f, e.getValue())));
        return fields;
    }

    private static void put(Map<String, JsonNode> fields, String target, JsonNode value) {
        if (target.endsWith(LIST) && target.length() > LIST.length()) {
            String name = target.substring(0, target.length() - LIST.length());
            if (value.isNull() || value.isArray()) {
                fields.put(name, value);
            } else {
                fields.put(name, JsonNodeFactory.instance.arrayNode().add(value));
            }
        } else {
            fields.put(target, value);
        }
    }
}
