package io.profilehub.destination.ours;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.destination.VendorContractTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ours Privacy: POST /identify, the source token in the body, no auth header. */
@MicronautTest
class OursContractTest extends VendorContractTest {

    @Override
    protected String type() {
        return "ours";
    }

    @Override
    protected Map<String, String> mainOptions() {
        return Map.of();
    }

    @Override
    protected Map<String, String> altOptions() {
        return Map.of("user-id", "externalId", "email", "workEmail",
                "mapping.traits.firstName", "nickname",
                "mapping.traits.internalNote", "-",
                "mapping.identifiers.phoneNumber", "-");
    }

    @Override
    protected MappingBuilder documentedRequest(boolean alt) {
        return post(urlEqualTo((alt ? "/alt" : "") + "/identify"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Accept", equalTo("application/json"))
                .withHeader("Authorization", absent())
                .withRequestBody(matchingJsonPath("$.token", equalTo(alt ? ALT_TOKEN : TOKEN)))
                .withRequestBody(matchingJsonPath("$.userProperties"));
    }

    @Override
    protected ResponseDefinitionBuilder success() {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"success\":true}");
    }

    @Override
    protected List<JsonNode> items(LoggedRequest request) {
        return List.of(body(request));
    }

    @Override
    protected String userIdOf(JsonNode item) {
        return item.path("externalId").asText();
    }

    @Test
    void createSendsTheWholeProfile() {
        String email = unique("create");
        String id = create("""
                {"identifiers":{"email":"%s","phoneNumber":"+15550100","oursUserId":"ours-v-1"},
                 "traits":{"firstName":"Ada","lastName":"Lovelace","city":"London","plan":"pro",
                           "address":{"street":"1 Way","zip":"N1"}}}""".formatted(email));
        assertDelivered(main, id, 1);

        assertEquals(json("""
                {"token":"%s","externalId":"%s","email":"%s","userId":"ours-v-1",
                 "userProperties":{"email":"%s","phone_number":"+15550100","first_name":"Ada","last_name":"Lovelace",
                   "city":"London","custom_properties":{"plan":"pro","address":{"street":"1 Way","zip":"N1"}}}}"""
                .formatted(TOKEN, id, email, email)), itemsFor(false, id).get(0));
    }

    @Test
    void updateSendsAddedChangedAndRemovedKeys() {
        String email = unique("update");
        String id = create("""
                {"identifiers":{"email":"%s"},
                 "traits":{"firstName":"Ada","lastName":"Lovelace","plan":"basic","score":1,
                           "address":{"street":"1 Way","city":"London"}}}""".formatted(email));
        assertDelivered(main, id, 1);
        update(id, """
                {"identifiers":{"phoneNumber":"+15550101"},
                 "traits":{"firstName":"Augusta","lastName":null,"plan":null,"tier":"gold","address":{"city":null}}}""");
        assertDelivered(main, id, 2);

        // email is unchanged but always sent (Ours matches on it); plan's removal cannot reach custom_properties.
        assertEquals(json("""
                {"token":"%s","externalId":"%s","email":"%s",
                 "userProperties":{"phone_number":"+15550101","first_name":"Augusta","last_name":null,
                   "custom_properties":{"tier":"gold","address":{"street":"1 Way"}}}}"""
                .formatted(TOKEN, id, email)), itemsFor(false, id).get(1));

        update(id, "{\"identifiers\":{\"crmRef\":\"r-1\"}}");
        Event skipped = awaitEvent(main, id, 3, "delivered");
        assertEquals(1, skipped.attempts(), "settled at once, no failed attempt");
        assertEquals(2, itemsFor(false, id).size(), "an unmapped identifier alone is nothing Ours receives");
    }

    @Test
    void aStringLongerThanOursTakesIsRefusedWithoutSending() {
        String id = create("{\"identifiers\":{\"email\":\"" + unique("long") + "\"},\"traits\":{\"bio\":\""
                + "x".repeat(2001) + "\"}}");
        Event dead = awaitEvent(main, id, 1, "dead");
        assertEquals(400, dead.lastStatus());
        assertTrue(dead.lastError().contains("userProperties.custom_properties.bio"), dead.lastError());
        assertTrue(dead.lastError().startsWith("not sent"), dead.lastError());
        assertEquals(0, itemsFor(false, id).size());
    }

    @Test
    void aSecondOursDestinationUsesItsOwnOptions() {
        String work = unique("work");
        String id = create(altApi(), """
                {"identifiers":{"externalId":"crm-%s","workEmail":"%s","email":"private@example.com",
                                "phoneNumber":"+15550102"},
                 "traits":{"firstName":"Ada","internalNote":"do not share","plan":"pro","jobTitle":"CTO"}}"""
                .formatted(work, work));
        assertDelivered(alt, id, 1);
        assertEquals(json("""
                {"token":"%s","externalId":"crm-%s","email":"%s",
                 "userProperties":{"email":"%s","job_title":"CTO","custom_properties":{"nickname":"Ada","plan":"pro"}}}"""
                .formatted(ALT_TOKEN, work, work, work)), itemsFor(true, "crm-" + work).get(0));

        String noCrm = create(altApi(), "{\"identifiers\":{\"workEmail\":\"" + unique("nocrm") + "\"}}");
        Event dead = awaitEvent(alt, noCrm, 1, "dead");
        assertTrue(dead.lastError().contains("no 'externalId' identifier"), dead.lastError());
    }
}
