package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Rows;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest(transactional = false)
class ErasureTest extends ServiceTest {
    private final WireMockServer hook = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        hook.start();
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.destinations.hook.type", "webhook");
        p.put("profilehub.destinations.hook.url", hook.baseUrl() + "/hook");
        p.put("profilehub.destinations.hook.token", "erasure-secret");
        p.put("profilehub.destinations.hook.workspaces", workspace); // so this workspace's admin may pause it
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.max-delay", "200ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        return p;
    }

    @BeforeEach
    void reset() {
        hook.resetAll();
        hook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        api().post("/sync/destinations/hook/resume", "{}");
    }

    @AfterAll
    void stop() {
        hook.stop();
    }

    @Test
    void erasesHereAndAtTheDestinationAndReportsProgress() {
        String id = create("{\"identifiers\":{\"email\":\"erase-me@example.com\"},\"traits\":{\"secretTrait\":\"t-erase-me\"}}");
        Awaits.until(Duration.ofSeconds(10), () -> requests(id).size() == 1);
        Api.Response erased = api().delete("/identify/" + id);
        assertEquals(202, erased.status(), erased.body());
        assertEquals("/erasures/" + id, erased.header("Location"));
        assertEquals(id, erased.json().get("userId").asText());
        assertEquals("in_progress", erased.json().get("status").asText());
        assertEquals("hook", erased.json().get("destinations").get(0).get("name").asText());
        assertEquals(404, api().get("/identify/" + id).status());

        Awaits.until(Duration.ofSeconds(10), () -> api().get("/erasures/" + id).json().get("status").asText().equals("completed"));
        JsonNode record = api().get("/erasures/" + id).json();
        assertEquals("erased", record.get("destinations").get(0).get("status").asText());
        JsonNode event = Api.json(requests(id).get(1).getRequest().getBodyAsString());
        assertEquals("profile.erase", event.get("type").asText());
        assertFalse(event.toString().contains("erase-me@example.com"));

        Api.Response again = api().delete("/identify/" + id);
        assertEquals(202, again.status());
        assertEquals(record.get("requestedAt"), again.json().get("requestedAt"));
        assertEquals(404, api().delete("/identify/usr_0000000000000000").status());

        Api.Response reborn = api().post("/identify", "{\"identifiers\":{\"email\":\"erase-me@example.com\"}}");
        assertEquals(201, reborn.status());
        assertNotEquals(id, reborn.json().get("id").asText());
        assertEquals(0, reborn.json().get("traits").size(), "nothing of the old profile returns");
    }

    @Test
    void pendingUpsertsAreCancelledAndNothingPersonalRemains() throws Exception {
        api().post("/sync/destinations/hook/pause", "{}");
        String id = create("{\"identifiers\":{\"email\":\"pending-pii@example.com\",\"name\":{\"last\":\"Pendingson\"}},\"traits\":{\"t\":\"pii-trait-value\"}}");
        api().post("/identify/" + id, "{\"traits\":{\"t2\":\"pii-trait-two\"}}");
        assertEquals(202, api().delete("/identify/" + id).status());
        api().post("/sync/destinations/hook/resume", "{}");
        Awaits.until(Duration.ofSeconds(10), () -> api().get("/erasures/" + id).json().get("status").asText().equals("completed"));
        List<ServeEvent> received = requests(id);
        assertEquals(1, received.size(), "only the erasure reached the destination");
        assertEquals("profile.erase", Api.json(received.get(0).getRequest().getBodyAsString()).get("type").asText());
        tablesContaining(List.of("pending-pii@example.com", "Pendingson", "pii-trait-value", "pii-trait-two"))
                .forEach((value, tables) -> assertEquals(List.of(), tables, value + " remains"));
    }

    @Test
    void erasureGoesAfterUpsertsOfAFailingVendorAndDeadErasuresCanBeRetried() {
        hook.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.type", equalTo("profile.erase")))
                .atPriority(1).willReturn(aResponse().withStatus(400).withBody("{\"error\":\"cannot erase yet\"}")));
        String id = create("{\"identifiers\":{\"email\":\"dead-erasure@example.com\"}}");
        Awaits.until(Duration.ofSeconds(10), () -> requests(id).size() == 1);
        api().delete("/identify/" + id);
        Awaits.until(Duration.ofSeconds(10), () -> api().get("/erasures/" + id).json().get("status").asText().equals("completed"));
        JsonNode dead = api().get("/erasures/" + id).json().get("destinations").get(0);
        assertEquals("dead", dead.get("status").asText());
        assertEquals(400, dead.get("lastStatus").asInt());
        assertTrue(dead.get("detail").asText().contains("cannot erase yet"));

        hook.resetAll();
        hook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        long deadId = -1;
        for (JsonNode d : api().get("/sync/dead-letters?destination=hook").json().get("data")) {
            if (d.get("userId").asText().equals(id)) {
                deadId = d.get("id").asLong();
            }
        }
        assertEquals(202, api().post("/sync/dead-letters/" + deadId + "/retry", "{}").status());
        Awaits.until(Duration.ofSeconds(10), () -> api().get("/erasures/" + id).json().get("destinations").get(0)
                .get("status").asText().equals("erased"));
        assertEquals("completed", api().get("/erasures/" + id).json().get("status").asText());
    }

    @Test
    void suppressionRefusesRecreationUntilLifted() throws Exception {
        String id = create("{\"identifiers\":{\"email\":\"Suppress.Me@example.com\",\"phoneNumber\":\"+4799999999\"}}");
        assertEquals(202, api().delete("/identify/" + id + "?suppress=true").status());
        Api.Response refused = api().post("/identify", "{\"identifiers\":{\"email\":\"suppress.me@example.com \"}}");
        assertEquals(409, refused.status(), refused.body());
        String hash = refused.json().get("suppressions").get(0).asText();
        assertFalse(hash.contains("suppress"));
        assertEquals(List.of(), tablesContaining("suppress.me@example.com"));
        assertEquals(204, api().delete("/suppressions/" + hash).status());
        assertEquals(201, api().post("/identify", "{\"identifiers\":{\"email\":\"suppress.me@example.com\"}}").status());
        assertEquals(409, api().post("/identify", "{\"identifiers\":{\"phoneNumber\":\"+4799999999\"}}").status(),
                "the other value stays suppressed");
    }

    @Test
    void idempotencyKeyReplaysTheFirstAnswer() {
        String id = create("{\"identifiers\":{\"email\":\"idem@example.com\"}}");
        Map<String, String> headers = Map.of("Idempotency-Key", "erase-" + id);
        Api.Response first = api().send("DELETE", "/identify/" + id, null, headers);
        Api.Response second = api().send("DELETE", "/identify/" + id, null, headers);
        assertEquals(202, first.status());
        assertEquals(first.json(), second.json());
        assertEquals(422, api().send("DELETE", "/identify/usr_1111111111111111", null, headers).status(),
                "the same key for another request is refused");
    }

    @Test
    void bulkErasesAThousandIds() throws Exception {
        List<String> ids = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<String>> created = new ArrayList<>();
        for (int i = 0; i < 998; i++) {
            String body = "{\"identifiers\":{\"bulkErase\":\"b" + i + "\"}}";
            created.add(pool.submit(() -> create(body)));
        }
        for (var f : created) {
            ids.add(f.get());
        }
        pool.shutdown();
        ids.add("usr_9999999999999999");
        ids.add("not-an-id");
        StringBuilder body = new StringBuilder("{\"userIds\":[");
        for (int i = 0; i < ids.size(); i++) {
            body.append(i == 0 ? "" : ",").append('"').append(ids.get(i)).append('"');
        }
        body.append("]}");
        Api.Response r = api().send("POST", "/erasures", body.toString(),
                Map.of("Content-Type", "application/json", "Idempotency-Key", "bulk-1"));
        assertEquals(202, r.status(), r.body());
        JsonNode data = r.json().get("data");
        assertEquals(1000, data.size());
        assertEquals(ids.get(0), data.get(0).get("userId").asText());
        assertEquals("not_found", data.get(998).get("status").asText());
        assertEquals("invalid", data.get(999).get("status").asText());
        assertEquals(404, api().get("/identify/" + ids.get(5)).status());
        Api.Response replay = api().send("POST", "/erasures", body.toString(),
                Map.of("Content-Type", "application/json", "Idempotency-Key", "bulk-1"));
        assertEquals(r.json(), replay.json());

        StringBuilder tooMany = new StringBuilder("{\"userIds\":[");
        for (int i = 0; i < 1001; i++) {
            tooMany.append(i == 0 ? "" : ",").append("\"usr_9999999999999999\"");
        }
        assertEquals(413, api().post("/erasures", tooMany.append("]}").toString()).status());
        assertTrue(api().get("/erasures?status=in_progress&limit=100").status() == 200);
    }

    private String create(String body) {
        Api.Response r = api().post("/identify", body);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    private List<ServeEvent> requests(String profileId) {
        return hook.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains(profileId))
                .sorted((x, y) -> x.getRequest().getLoggedDate().compareTo(y.getRequest().getLoggedDate()))
                .toList();
    }

    /** Every table of the schema whose rows, as text, contain the value (case-insensitively). */
    static List<String> tablesContaining(String value) {
        return tablesContaining(List.of(value)).get(value);
    }

    /** The same for several values, in one scan of the schema. */
    static java.util.Map<String, List<String>> tablesContaining(List<String> values) {
        return Rows.tablesContaining(values, List.of("change_log", "delivery_parked", "delivery_failures",
                "dead_letters"));
    }
}
