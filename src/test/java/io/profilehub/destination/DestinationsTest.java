package io.profilehub.destination;

import io.micronaut.core.value.MapPropertyResolver;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DestinationsTest {
    @Test
    void optionNamesAreNormalisedButNestedKeysKeepTheirCase() {
        Map<String, Object> raw = Map.of(
                "type", "ours", "url", "https://example.com/api/", "token", "t",
                "Visitor_Id", "oursUserId",
                "mapping.traits.firstName", "first_name",
                "mapping.identifiers.phone_Number", "phone");
        Set<String> keys = new LinkedHashSet<>();
        raw.keySet().forEach(k -> keys.add(Destinations.optionKey(k)));
        Map<String, Object> properties = new java.util.HashMap<>();
        raw.forEach((k, v) -> properties.put("profilehub.destinations.crm." + k, v));
        properties.put("profilehub.destinations.crm.visitor-id", "oursUserId");

        DestinationProperties bound = new DestinationProperties("crm");
        bound.setType("ours");
        bound.setUrl("https://example.com/api/");
        bound.setToken("t");
        DestinationSettings settings = Destinations.parse("crm", keys, bound, new MapPropertyResolver(properties),
                Map.of("ours", factory("ours", Set.of("visitor-id", "mapping.traits.", "mapping.identifiers."))));

        assertEquals(Map.of("visitor-id", "oursUserId",
                "mapping.traits.firstName", "first_name",
                "mapping.identifiers.phone_Number", "phone"), settings.options());
        assertEquals("https://example.com/api", settings.url().toString());
        assertEquals(List.of(), settings.workspaces());
    }

    private static ConnectorFactory factory(String type, Set<String> options) {
        return new ConnectorFactory() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public Set<String> options() {
                return options;
            }

            @Override
            public Connector create(DestinationSettings settings) {
                throw new UnsupportedOperationException();
            }
        };
    }
}
