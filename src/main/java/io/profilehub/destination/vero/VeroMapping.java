package io.profilehub.destination.vero;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.mapping.FieldMapping;
import io.profilehub.destination.mapping.Mapped;
import io.profilehub.destination.mapping.ProfileChange;

import java.util.Map;

/**
 * The body of Vero's {@code POST /users/track}: {@code id} (the vendor user id), {@code email} while the profile
 * has one, and {@code data} with the custom properties. Vero's document types data values as strings (timezone as
 * an integer); values go as JSON as they are, as Vero's own SDKs send them.
 */
final class VeroMapping {
    static final Map<String, String> IDENTIFIER_DEFAULTS = Map.of("phoneNumber", "phone_number");
    static final Map<String, String> TRAIT_DEFAULTS = Map.of("firstName", "first_name", "lastName", "last_name");

    private final FieldMapping fields;
    private final String emailKey;

    VeroMapping(FieldMapping fields, String emailKey) {
        this.fields = fields;
        this.emailKey = emailKey;
    }

    Mapped map(ProfileChange change) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        fields.fields(change).forEach(data::set);
        if (data.isEmpty() && !change.whole() && !change.changesIdentifier(emailKey)) {
            return Mapped.nothingToSend();
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("id", change.userId());
        String email = change.currentIdentifier(emailKey);
        if (email != null) {
            body.put("email", email);
        } else if (change.changesIdentifier(emailKey)) {
            body.putNull("email"); // the email was removed
        }
        if (!data.isEmpty()) {
            body.set("data", data);
        }
        return Mapped.of(body);
    }
}
