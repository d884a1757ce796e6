package io.profilehub.destination.thrivestack;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.destination.VendorContractTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Thrivestack: POST /identify with a JSON array, Authorization: Bearer (or x-api-key), 1,000 items / 2 MB. */
@MicronautTest
class ThrivestackContractTest extends VendorContractTest {
    private static final String UTC = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z";

    @Override
    protected String type() {
        return "thrivestack";
    }

    @Override
    protected Map<String, String> mainOptions() {
        return Map.of("concurrency", "1"); // one worker, so a claim of 1,001 events splits exactly 1,000 + 1
    }

    @Override
    protected Map<String, String> altOptions() {
        return Map.of("auth", "x-api-key", "mapping.traits.accountId", "context.group_id");
    }

    @Override
    protected MappingBuilder documentedRequest(boolean alt) {
        return post(urlEqualTo((alt ? "/alt" : "") + "/identify"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Authorization", alt ? absent() : equalTo("Bearer " + TOKEN))
                .withHeader("x-api-key", alt ? equalTo(ALT_TOKEN) : absent())
                .withRequestBody(matchingJsonPath("$[0].user_id"))
                .withRequestBody(matchingJsonPath("$[0].timestamp"));
    }

    @Override
    protected ResponseDefinitionBuilder success() {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"success\":true,\"response_id\":\"7e51e59e\",\"message\":\"User(s) identified successfully\"}");
    }

    @Override
    protected List<JsonNode> items(LoggedRequest request) {
        List<JsonNode> items = new ArrayList<>();
        body(request).forEach(items::add);
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
                 "traits":{"firstName":"Ada","lastName":"Lovelace","city":"London","plan":"pro",
                           "address":{"street":"1 Way","zip":"N1"}}}""".formatted(email, phone));
        Event event = awaitEvent(main, id, 1, "delivered");

        JsonNode item = itemsFor(false, id).get(0);
        assertTrue(item.get("timestamp").asText().matches(UTC), item.get("timestamp").asText());
        assertEquals(json("""
                {"user_id":"%s","timestamp":"%s","traits":{"email":"%s","enrichment_phone":["%s"],
                  "enrichment_first_name":"Ada","enrichment_last_name":"Lovelace","enrichment_city":"London",
                  "plan":"pro","address":{"street":"1 Way","zip":"N1"}},"context":{}}"""
                .formatted(id, event.utc(), email, phone)), item);
    }

    @Test
    void updateSendsAddedChangedAndRemovedKeys() {
        String id = create("""
                {"identifiers":{"email":"%s"},
                 "traits":{"firstName":"Ada","plan":"basic","address":{"street":"1 Way","city":"London"}}}"""
                .formatted(unique("update")));
        assertDelivered(main, id, 1);
        update(id, """
                {"identifiers":{"email":null},
                 "traits":{"firstName":"Augusta","plan":null,"tier":"gold","address":{"street":null}}}""");
        Event event = awaitEvent(main, id, 2, "delivered");

        assertEquals(json("""
                {"user_id":"%s","timestamp":"%s","traits":{"email":null,"enrichment_first_name":"Augusta",
                  "plan":null,"tier":"gold","address":{"city":"London"}},"context":{}}"""
                .formatted(id, event.utc())), itemsFor(false, id).get(1));
    }

    @Test
    void aThousandItemsGoInOneRequestAndTheThousandAndFirstInAnother() {
        String tag = unique("k");
        List<String> ids = seedCreated(IntStream.range(0, 1001)
                .mapToObj(i -> "{\"identifiers\":{\"email\":\"" + i + "-" + tag + "\"}}").toList());
        awaitAll(ids);

        Set<String> batch = Set.copyOf(ids);
        List<Integer> sizes = requests(false).stream()
                .filter(r -> items(r).stream().anyMatch(i -> batch.contains(userIdOf(i))))
                .map(r -> items(r).size()).toList();
        assertEquals(List.of(1000, 1), sizes);
    }

    @Test
    void requestsStayUnderTwoMegabytesAndAnItemTooLargeAloneIsRefused() {
        String blob = "b".repeat(100_000);
        String tag = unique("mb");
        String huge = "h".repeat(700_000);
        List<String> profiles = new ArrayList<>(IntStream.range(0, 25)
                .mapToObj(i -> "{\"identifiers\":{\"email\":\"" + i + "-" + tag + "\"},\"traits\":{\"blob\":\""
                        + blob + "\"}}").toList());
        profiles.add("{\"identifiers\":{\"email\":\"huge-" + tag + "\"},\"traits\":{\"a\":\"" + huge
                + "\",\"b\":\"" + huge + "\",\"c\":\"" + huge + "\"}}");
        List<String> seeded = seedCreated(profiles);
        List<String> ids = seeded.subList(0, 25);
        String tooLarge = seeded.get(25);
        awaitAll(ids);
        awaitSettled(main, tooLarge);

        Set<String> batch = Set.copyOf(ids);
        List<LoggedRequest> sent = requests(false).stream()
                .filter(r -> items(r).stream().anyMatch(i -> batch.contains(userIdOf(i)))).toList();
        assertEquals(2, sent.size(), "2.5 MB of changes need two requests");
        for (LoggedRequest r : sent) {
            assertTrue(r.getBody().length < 2_000_000, "a request of " + r.getBody().length + " bytes");
        }
        assertTrue(sent.get(0).getBody().length > 1_800_000, "requests are filled up to the limit");
        assertEquals(25, sent.stream().mapToInt(r -> items(r).size()).sum());

        Event refused = events(main, tooLarge).get(0);
        assertEquals("dead", refused.status());
        assertEquals(400, refused.lastStatus());
        assertTrue(refused.lastError().startsWith("not sent: the item is"), refused.lastError());
        assertEquals(0, itemsFor(false, tooLarge).size());
    }

    @Test
    void aBatchRefusedAsAWholeIsBisected() throws Exception {
        aBatchRefusedForOneItemIsBisected();
    }

    @Test
    void anAnswerOfSuccessFalseIsRetried() {
        String email = unique("unsuccessful");
        vendor.stubFor(documentedRequest(false).atPriority(1).withRequestBody(containing(email))
                .inScenario("false").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("fixed")
                .willReturn(aResponse().withStatus(200).withBody("{\"success\":false,\"message\":\"try later\"}")));
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\"}}");
        Event delivered = awaitEvent(main, id, 1, "delivered");
        assertEquals(2, delivered.attempts(), "the refused attempt and the one that delivered");
        assertEquals(2, itemsFor(false, id).size());
    }

    @Test
    void anApiKeyDestinationSendsTheKeyHeaderAndMapsToContext() {
        String email = unique("apikey");
        String id = create(altApi(), """
                {"identifiers":{"email":"%s"},"traits":{"accountId":"acct-7","plan":"pro"}}""".formatted(email));
        Event event = awaitEvent(alt, id, 1, "delivered");
        assertEquals(json("""
                {"user_id":"%s","timestamp":"%s","traits":{"email":"%s","plan":"pro"},"context":{"group_id":"acct-7"}}"""
                .formatted(id, event.utc(), email)), itemsFor(true, id).get(0));
    }

    private void awaitAll(List<String> ids) {
        io.profilehub.support.Awaits.until(WAIT.multipliedBy(2), () -> countDelivered(main, ids) == ids.size());
    }
}
