package io.profilehub.destination.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.exceptions.ConfigurationException;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.support.Api;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FieldMappingTest {
    private static DestinationSettings settings(Map<String, Object> options) {
        return new DestinationSettings("crm", "vero", URI.create("https://example.com"), "secret-token", true,
                List.of(), 1, null, Duration.ofSeconds(1), null, options);
    }

    private static ProfileChange change(String identifiers, String traits) {
        return new ProfileChange("ws", "usr_1", "usr_1", Instant.EPOCH, false,
                (com.fasterxml.jackson.databind.node.ObjectNode) Api.json(identifiers),
                (com.fasterxml.jackson.databind.node.ObjectNode) Api.json(traits),
                (com.fasterxml.jackson.databind.node.ObjectNode) Api.json(identifiers));
    }

    @Test
    void defaultsOverridesDropsListsAndTheEmailKey() {
        ConnectorOptions options = ConnectorOptions.check(settings(Map.of(
                "mapping.traits.firstName", "given_name",
                "mapping.traits.secret", "-",
                "mapping.identifiers.phone", "phones[]")), Set.of());
        FieldMapping mapping = FieldMapping.of(options, "workEmail", Map.of("email", "mail"),
                Map.of("firstName", "first_name", "lastName", "last_name"));

        Map<String, JsonNode> fields = mapping.fields(change(
                "{\"workEmail\":\"w@example.com\",\"email\":\"p@example.com\",\"phone\":\"+1\",\"crm\":\"c\"}",
                "{\"firstName\":\"A\",\"lastName\":null,\"secret\":\"s\",\"plan\":\"pro\"}"));

        assertEquals(Map.of("mail", Api.json("\"w@example.com\""), "phones", Api.json("[\"+1\"]"),
                "given_name", Api.json("\"A\""), "last_name", Api.json("null"), "plan", Api.json("\"pro\"")), fields);
    }

    @Test
    void optionsArriveFlatOrNestedAndUnknownOnesStopStartUp() {
        ConnectorOptions nested = ConnectorOptions.check(settings(Map.of("mapping",
                Map.of("traits", Map.of("firstName", "given_name")))), Set.of());
        assertEquals(Map.of("firstName", "given_name"), nested.mapping(ConnectorOptions.TRAIT_MAPPING));

        ConfigurationException typo = assertThrows(ConfigurationException.class,
                () -> ConnectorOptions.check(settings(Map.of("projectid", "p")), Set.of("project-id")));
        assertTrue(typo.getMessage().startsWith("profilehub.destinations.crm.projectid is not an option of vero"),
                typo.getMessage());
        ConfigurationException choice = assertThrows(ConfigurationException.class,
                () -> ConnectorOptions.check(settings(Map.of("auth", "basic")), Set.of("auth"))
                        .choice("auth", "auth-token", Set.of("auth-token", "tracking-api-key")));
        assertTrue(choice.getMessage().contains("profilehub.destinations.crm.auth must be one of"));
        assertTrue(!settings(Map.of()).toString().contains("secret-token"));
    }
}
