package io.profilehub.destination.vero;

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
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Vero: POST /users/track, the token as the auth_token (or tracking_api_key) query parameter. */
@MicronautTest
class VeroContractTest extends VendorContractTest {

    @Override
    protected String type() {
        return "vero";
    }

    @Override
    protected Map<String, String> mainOptions() {
        return Map.of();
    }

    @Override
    protected Map<String, String> altOptions() {
        return Map.of("auth", "tracking-api-key", "mapping.traits.firstName", "given_name");
    }

    @Override
    protected MappingBuilder documentedRequest(boolean alt) {
        return post(urlPathEqualTo((alt ? "/alt" : "") + "/users/track"))
                .withQueryParam(alt ? "tracking_api_key" : "auth_token", equalTo(alt ? ALT_TOKEN : TOKEN))
                .withQueryParam(alt ? "auth_token" : "tracking_api_key", absent())
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Authorization", absent());
    }

    @Override
    protected ResponseDefinitionBuilder success() {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"status\":200,\"message\":\"Success.\"}");
    }

    @Override
    protected List<JsonNode> items(LoggedRequest request) {
        return List.of(body(request));
    }

    @Override
    protected String userIdOf(JsonNode item) {
        return item.path("id").asText();
    }

    @Test
    void createSendsTheWholeProfile() {
        String email = unique("create");
        String id = create("""
                {"identifiers":{"email":"%s","phoneNumber":"+15550100","externalId":"crm-1"},
                 "traits":{"firstName":"Ada","lastName":"Lovelace","plan":"pro","logins":3,
                           "address":{"street":"1 Way","zip":"N1"}}}""".formatted(email));
        assertDelivered(main, id, 1);

        assertEquals(json("""
                {"id":"%s","email":"%s","data":{"phone_number":"+15550100","first_name":"Ada","last_name":"Lovelace",
                  "plan":"pro","logins":3,"address":{"street":"1 Way","zip":"N1"}}}""".formatted(id, email)),
                itemsFor(false, id).get(0));
    }

    @Test
    void updateSendsAddedChangedAndRemovedKeys() {
        String email = unique("update");
        String id = create("""
                {"identifiers":{"email":"%s","phoneNumber":"+15550199"},
                 "traits":{"firstName":"Ada","plan":"basic","address":{"street":"1 Way","city":"London"}}}"""
                .formatted(email));
        assertDelivered(main, id, 1);
        update(id, """
                {"identifiers":{"phoneNumber":null},
                 "traits":{"firstName":"Augusta","plan":null,"tier":"gold","address":{"city":"Paris"}}}""");
        assertDelivered(main, id, 2);
        assertEquals(json("""
                {"id":"%s","email":"%s","data":{"phone_number":null,"first_name":"Augusta","plan":null,"tier":"gold",
                  "address":{"street":"1 Way","city":"Paris"}}}""".formatted(id, email)), itemsFor(false, id).get(1));

        update(id, "{\"identifiers\":{\"email\":null}}");
        assertDelivered(main, id, 3);
        assertEquals(json("{\"id\":\"" + id + "\",\"email\":null}"), itemsFor(false, id).get(2));
    }

    @Test
    void aTrackingApiKeyDestinationAuthenticatesWithIt() {
        String email = unique("v2");
        String id = create(altApi(), """
                {"identifiers":{"email":"%s"},"traits":{"firstName":"Ada"}}""".formatted(email));
        assertDelivered(alt, id, 1);
        assertEquals(json("""
                {"id":"%s","email":"%s","data":{"given_name":"Ada"}}""".formatted(id, email)),
                itemsFor(true, id).get(0));
    }
}
