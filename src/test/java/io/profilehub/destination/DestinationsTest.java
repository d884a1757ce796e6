package io.profilehub.destination;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DestinationsTest {
    @Test
    void optionNamesAreNormalisedButNestedKeysKeepTheirCase() {
        DestinationSettings settings = Destinations.parse("crm", Map.of(
                "type", "ours", "url", "https://example.com/api/", "token", "t",
                "Visitor_Id", "oursUserId",
                "mapping.traits.firstName", "first_name",
                "mapping.identifiers.phone_Number", "phone"), Set.of("ours"));

        assertEquals(Map.of("visitor-id", "oursUserId",
                "mapping.traits.firstName", "first_name",
                "mapping.identifiers.phone_Number", "phone"), settings.options());
        assertEquals("https://example.com/api", settings.url().toString());
    }
}
