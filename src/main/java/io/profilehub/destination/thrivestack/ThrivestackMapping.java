package io.profilehub.destination.thrivestack;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.mapping.FieldMapping;
import io.profilehub.destination.mapping.Mapped;
import io.profilehub.destination.mapping.ProfileChange;

import java.util.Map;

/**
 * One item of Thrivestack's {@code POST /identify} array: {@code user_id}, {@code timestamp} (always, ISO-8601 in
 * UTC), {@code traits} and {@code context}. A field named {@code context.x} goes into the context (for example
 * {@code context.group_id}, which links the user to an account); everything else is a trait.
 */
final class ThrivestackMapping {
    static final Map<String, String> IDENTIFIER_DEFAULTS = Map.of("email", "email",
            "phoneNumber", "enrichment_phone[]");
    static final Map<String, String> TRAIT_DEFAULTS = Map.ofEntries(
            Map.entry("firstName", "enrichment_first_name"), Map.entry("lastName", "enrichment_last_name"),
            Map.entry("fullName", "enrichment_full_name"), Map.entry("avatar", "enrichment_avatar"),
            Map.entry("city", "enrichment_city"), Map.entry("state", "enrichment_state"),
            Map.entry("country", "enrichment_country"), Map.entry("countryCode", "enrichment_country_code"),
            Map.entry("timeZone", "enrichment_time_zone"), Map.entry("companyName", "enrichment_employment_name"),
            Map.entry("jobTitle", "enrichment_employment_title"));
    private static final String CONTEXT = "context.";

    private final FieldMapping fields;

    ThrivestackMapping(FieldMapping fields) {
        this.fields = fields;
    }

    Mapped map(ProfileChange change) {
        ObjectNode traits = JsonNodeFactory.instance.objectNode();
        ObjectNode context = JsonNodeFactory.instance.objectNode();
        fields.fields(change).forEach((field, value) -> {
            if (field.startsWith(CONTEXT) && field.length() > CONTEXT.length()) {
                context.set(field.substring(CONTEXT.length()), value);
            } else {
                traits.set(field, value);
            }
        });
        if (traits.isEmpty() && context.isEmpty() && !change.whole()) {
            return Mapped.nothingToSend();
        }
        ObjectNode item = JsonNodeFactory.instance.objectNode();
        item.put("user_id", change.userId());
        item.put("timestamp", change.occurredAt().toString());
        item.set("traits", traits);
        item.set("context", context);
        return Mapped.of(item);
    }
}
