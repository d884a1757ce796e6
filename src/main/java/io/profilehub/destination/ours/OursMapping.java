package io.profilehub.destination.ours;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.mapping.FieldMapping;
import io.profilehub.destination.mapping.Mapped;
import io.profilehub.destination.mapping.ProfileChange;

import java.util.Map;
import java.util.Set;

/**
 * The body of Ours Privacy's {@code POST /identify}, token aside: {@code externalId} (the vendor user id),
 * {@code email} and, when the profile has one, the Ours visitor id as {@code userId}; {@code userProperties} with
 * Ours's snake_case keys, and every other field under {@code custom_properties}.
 */
final class OursMapping {
    static final Set<String> RESERVED = Set.of("email", "first_name", "last_name", "gender", "date_of_birth",
            "phone_number", "city", "state", "zip", "country", "external_id", "company_name", "job_title", "ip");
    static final Map<String, String> IDENTIFIER_DEFAULTS = Map.of("email", "email", "phoneNumber", "phone_number");
    static final Map<String, String> TRAIT_DEFAULTS = Map.ofEntries(
            Map.entry("firstName", "first_name"), Map.entry("lastName", "last_name"),
            Map.entry("dateOfBirth", "date_of_birth"), Map.entry("companyName", "company_name"),
            Map.entry("jobTitle", "job_title"), Map.entry("postalCode", "zip"));
    /** A field named custom_properties.x goes to the custom properties even where x is a reserved name. */
    static final String CUSTOM = "custom_properties";
    static final int MAX_STRING = 2000;
    static final int MAX_EXTERNAL_ID = 400;

    private final FieldMapping fields;
    private final String emailKey;
    private final String visitorKey;

    OursMapping(FieldMapping fields, String emailKey, String visitorKey) {
        this.fields = fields;
        this.emailKey = emailKey;
        this.visitorKey = visitorKey;
    }

    Mapped map(ProfileChange change) {
        if (change.userId().length() > MAX_EXTERNAL_ID) {
            return Mapped.refused("externalId (the vendor user id) is " + change.userId().length()
                    + " characters long; Ours takes at most " + MAX_EXTERNAL_ID);
        }
        ObjectNode properties = JsonNodeFactory.instance.objectNode();
        ObjectNode custom = JsonNodeFactory.instance.objectNode();
        fields.fields(change).forEach((field, value) -> put(properties, custom, field, value));
        if (!custom.isEmpty()) {
            properties.set(CUSTOM, custom);
        }
        boolean locatorChanged = change.changesIdentifier(emailKey) || change.changesIdentifier(visitorKey);
        if (properties.isEmpty() && !change.whole() && !locatorChanged) {
            return Mapped.nothingToSend();
        }
        String tooLong = Mapped.tooLong(properties, MAX_STRING, "userProperties");
        if (tooLong != null) {
            return Mapped.refused(tooLong + " is longer than the " + MAX_STRING + " characters Ours takes");
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("externalId", change.userId());
        String email = change.currentIdentifier(emailKey);
        if (email != null) {
            body.put("email", email);
        }
        String visitor = change.currentIdentifier(visitorKey);
        if (visitor != null) {
            body.put("userId", visitor);
        }
        body.set("userProperties", properties);
        return Mapped.of(body);
    }

    private static void put(ObjectNode properties, ObjectNode custom, String field, JsonNode value) {
        if (field.startsWith(CUSTOM + ".")) {
            putCustom(custom, field.substring(CUSTOM.length() + 1), value);
        } else if (RESERVED.contains(field)) {
            properties.set(field, value); // null clears a top-level property at Ours
        } else {
            putCustom(custom, field, value);
        }
    }

    private static void putCustom(ObjectNode custom, String field, JsonNode value) {
        // Ours ignores null inside custom_properties, so a removal cannot reach it: sending it would only mislead.
        if (!value.isNull()) {
            custom.set(field, value);
        }
    }
}
