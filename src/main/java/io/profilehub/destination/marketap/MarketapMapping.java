package io.profilehub.destination.marketap;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.mapping.FieldMapping;
import io.profilehub.destination.mapping.Mapped;
import io.profilehub.destination.mapping.ProfileChange;

import java.util.Map;

/**
 * One profile of Marketap's {@code POST /v1/api/profile/user}: {@code user_id}, {@code properties} and
 * {@code timestamp} (ISO-8601, UTC). Marketap's reserved properties start with {@code mkt_}; any other key is a
 * custom property.
 */
final class MarketapMapping {
    static final Map<String, String> IDENTIFIER_DEFAULTS = Map.of("email", "mkt_email",
            "phoneNumber", "mkt_phone_number");
    static final Map<String, String> TRAIT_DEFAULTS = Map.of("name", "mkt_name", "gender", "mkt_gender",
            "dateOfBirth", "mkt_birth", "emailOptIn", "mkt_email_opt_in");

    private final FieldMapping fields;

    MarketapMapping(FieldMapping fields) {
        this.fields = fields;
    }

    Mapped map(ProfileChange change) {
        ObjectNode properties = JsonNodeFactory.instance.objectNode();
        fields.fields(change).forEach(properties::set);
        if (properties.isEmpty() && !change.whole()) {
            return Mapped.nothingToSend();
        }
        ObjectNode profile = JsonNodeFactory.instance.objectNode();
        profile.put("user_id", change.userId());
        profile.set("properties", properties);
        profile.put("timestamp", change.occurredAt().toString());
        return Mapped.of(profile);
    }
}
