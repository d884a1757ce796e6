package io.profilehub.destination.marketap;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.destination.VendorContractTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Marketap: POST /v1/api/profile/user?project_id=…, Authorization: Bearer, {"profiles":[…]}, 202 Accepted. */
@MicronautTest
class MarketapContractTest extends VendorContractTest {

    @Override
    protected String type() {
        return "marketap";
    }

    @Override
    protected Map<String, String> mainOptions() {
        return Map.of("project-id", "proj main", "concurrency", "1");
    }

    @Override
    protected Map<String, String> altOptions() {
        return Map.of("project-id", "proj-alt", "user-id", "externalId", "mapping.traits.firstName", "first_name");
    }

    @Override
    protected MappingBuilder documentedRequest(boolean alt) {
        return post(urlEqualTo((alt ? "/alt" : "") + "/v1/api/profile/user?project_id=" + (alt ? "proj-alt" : "proj+main")))
                .withHeader("Authorization", equalTo("Bearer " + (alt ? ALT_TOKEN : TOKEN)))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(matchingJsonPath("$.profiles[0].user_id"))
                .withRequestBody(matchingJsonPath("$.profiles[0].timestamp"));
    }

    @Override
    protected ResponseDefinitionBuilder success() {
        return aResponse().withStatus(202);
    }

    @Override
    protected List<JsonNode> items(LoggedRequest request) {
        List<JsonNode> items = new ArrayList<>();
        body(request).path("profiles").forEach(items::add);
        return items;
    }

    @Override
    protected String userIdOf(JsonNode item) {
        return item.path("user_id").asText();
    }

    @Test
    void createSendsTheWholeProfile() {
        String email = unique("create");
        String phone = phone();
        String id = create("""
                {"identifiers":{"email":"%s","phoneNumber":"%s"},
                 "traits":{"name":"Ada Lovelace","gender":"female","emailOptIn":true,"plan":"pro",
                           "address":{"street":"1 Way","zip":"N1"}}}""".formatted(email, phone));
        Event event = awaitEvent(main, id, 1, "delivered");
        assertEquals(List.of(202), answersFor(false, id), "delivered by the documented 202");

        JsonNode request = body(requestsFor(false, id).get(0));
        assertEquals(json("""
                {"profiles":[{"user_id":"%s","properties":{"mkt_email":"%s","mkt_phone_number":"%s",
                  "mkt_name":"Ada Lovelace","mkt_gender":"female","mkt_email_opt_in":true,"plan":"pro",
                  "address":{"street":"1 Way","zip":"N1"}},"timestamp":"%s"}]}"""
                .formatted(id, email, phone, event.utc())), request);
    }

    @Test
    void updateSendsAddedChangedAndRemovedKeys() {
        String email = unique("update");
        String id = create("""
                {"identifiers":{"email":"%s"},
                 "traits":{"name":"Ada","plan":"basic","address":{"street":"1 Way","city":"London"}}}"""
                .formatted(email));
        assertDelivered(main, id, 1);
        String phone = phone();
        update(id, """
                {"identifiers":{"phoneNumber":"%s"},
                 "traits":{"name":"Augusta","plan":null,"tier":"gold","address":{"city":"Paris"}}}""".formatted(phone));
        Event event = awaitEvent(main, id, 2, "delivered");

        assertEquals(json("""
                {"user_id":"%s","properties":{"mkt_phone_number":"%s","mkt_name":"Augusta","plan":null,"tier":"gold",
                  "address":{"street":"1 Way","city":"Paris"}},"timestamp":"%s"}""".formatted(id, phone, event.utc())),
                itemsFor(false, id).get(1));
    }

    @Test
    void aThousandProfilesGoInOneRequestAndTheThousandAndFirstInAnother() {
        String tag = unique("k");
        List<String> ids = seedCreated(IntStream.range(0, 1001)
                .mapToObj(i -> "{\"identifiers\":{\"email\":\"" + i + "-" + tag + "\"}}").toList());
        io.profilehub.support.Awaits.until(WAIT.multipliedBy(2), () -> countDelivered(main, ids) == ids.size());

        Set<String> batch = Set.copyOf(ids);
        List<Integer> sizes = requests(false).stream()
                .filter(r -> items(r).stream().anyMatch(i -> batch.contains(userIdOf(i))))
                .map(r -> items(r).size()).toList();
        assertEquals(List.of(1000, 1), sizes);
    }

    @Test
    void aBatchRefusedAsAWholeIsBisected() throws Exception {
        aBatchRefusedForOneItemIsBisected();
    }

    @Test
    void aSecondMarketapDestinationUsesItsOwnProjectAndOptions() {
        String email = unique("alt");
        String id = create(altApi(), """
                {"identifiers":{"email":"%s","externalId":"crm-%s"},"traits":{"firstName":"Ada"}}"""
                .formatted(email, email));
        Event event = awaitEvent(alt, id, 1, "delivered");
        assertEquals(json("""
                {"user_id":"crm-%s","properties":{"mkt_email":"%s","first_name":"Ada"},"timestamp":"%s"}"""
                .formatted(email, email, event.utc())), itemsFor(true, "crm-" + email).get(0));
    }

    @Test
    void aDestinationWithoutProjectIdStopsStartUp() {
        Map<String, Object> properties = new HashMap<>(TestDatabase.datasourceProperties());
        properties.put("profilehub.destinations.noproject.type", "marketap");
        properties.put("profilehub.destinations.noproject.url", vendor.baseUrl());
        properties.put("profilehub.destinations.noproject.token", TOKEN);
        Exception failed = assertThrows(Exception.class, () -> {
            try (ApplicationContext ignored = ApplicationContext.run(properties)) {
                // started: the test fails below
            }
        });
        Throwable cause = failed;
        while (!(cause instanceof ConfigurationException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertTrue(cause instanceof ConfigurationException, failed.toString());
        assertTrue(cause.getMessage().contains("profilehub.destinations.noproject.project-id is missing"),
                cause.getMessage());
        assertTrue(!cause.getMessage().contains(TOKEN));
    }
}
