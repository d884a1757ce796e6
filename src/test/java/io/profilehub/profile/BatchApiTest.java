package io.profilehub.profile;

import io.profilehub.ids.ProfileIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest(transactional = false)
class BatchApiTest extends ServiceTest {

    @Override
    protected Map<String, String> extraProperties() {
        // Events are written for configured destinations; no workers run, so they stay as written.
        return Map.of(
                "profilehub.outbox.enabled", "false",
                "profilehub.destinations.hook.type", "webhook",
                "profilehub.destinations.hook.url", "http://127.0.0.1:9/hook",
                "profilehub.destinations.hook.token", "t",
                "profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.url", "http://127.0.0.1:9/crm",
                "profilehub.destinations.crm.token", "t");
    }

    @Test
    void mixedItemsAnswerEachInRequestOrder() {
        String existing = create("{\"identifiers\":{\"email\":\"mix-a@example.com\"},\"traits\":{\"n\":1}}");
        String other = create("{\"identifiers\":{\"userId\":\"mix-b\"}}");
        Api.Response r = api().post("/identify/batch", "[" + String.join(",",
                "{\"identifiers\":{\"email\":\"mix-new@example.com\"},\"traits\":{\"plan\":\"pro\"}}",
                "{\"id\":\"" + existing + "\",\"traits\":{\"n\":2}}",
                "\"not an object\"",
                "{\"id\":\"usr_AAAAAAAAAAAAAAAA\",\"traits\":{\"x\":1}}",
                "{\"identifiers\":{\"email\":\"MIX-A@example.com\",\"userId\":\"mix-b\"}}",
                "{\"identifiers\":{\"email\":\"mix-a@example.com\"},\"traits\":{\"m\":true}}",
                "{\"id\":\"nope\",\"traits\":{}}",
                "{\"id\":\"" + other + "\",\"identifiers\":{\"email\":\"mix-a@example.com\"}}",
                "{\"identifiers\":{}}",
                "{\"identifiers\":{\"a\":1},\"extra\":1}") + "]");
        assertEquals(200, r.status(), r.body());
        JsonNode results = r.json().get("results");
        int[] expected = {201, 200, 400, 404, 409, 200, 400, 409, 400, 400};
        assertEquals(expected.length, results.size());
        for (int i = 0; i < expected.length; i++) {
            JsonNode item = results.get(i);
            assertEquals(i, item.get("index").asInt());
            assertEquals(expected[i], item.get("status").asInt(), item.toString());
            if (expected[i] < 300) {
                assertTrue(item.get("error").isNull());
                assertTrue(item.get("id").asText().matches(ProfileIds.FORM));
            } else {
                assertTrue(item.get("id").isNull());
                JsonNode error = item.get("error");
                assertEquals(expected[i], error.get("status").asInt());
                assertTrue(error.get("type").asText().startsWith("https://profilehub.io/problems/"));
                assertEquals(error.get("detail"), error.get("message"));
                assertNotNull(error.get("title"));
            }
        }
        assertEquals(existing, results.get(1).get("id").asText());
        assertEquals(existing, results.get(5).get("id").asText());
        String detail = results.get(4).get("error").get("detail").asText();
        assertTrue(detail.contains(existing) && detail.contains(other), detail);
        assertEquals(2, results.get(4).get("error").get("profiles").size());

        JsonNode a = api().get("/identify/" + existing).json();
        assertEquals(Api.json("{\"n\":2,\"m\":true}"), a.get("traits"));
        assertEquals(2, a.get("version").asInt(), "its two merges compose into one change");
        assertEquals(1, api().get("/identify/" + other).json().get("version").asInt(), "the failed items wrote nothing");
        JsonNode created = api().get("/identify/" + results.get(0).get("id").asText()).json();
        assertEquals("pro", created.get("traits").get("plan").asText());
    }

    @Test
    void itemsForOneProfileApplyInOrder() {
        String id = create("{\"identifiers\":{\"externalId\":\"order-1\"},\"traits\":{\"a\":0}}");
        Api.Response r = api().post("/identify/batch", "["
                + "{\"id\":\"" + id + "\",\"traits\":{\"a\":1}},"
                + "{\"identifiers\":{\"externalId\":\"order-1\"},\"traits\":{\"a\":2,\"b\":1}},"
                + "{\"id\":\"" + id + "\",\"traits\":{\"a\":null}},"
                + "{\"id\":\"" + id + "\",\"traits\":{\"b\":1}}"
                + "]");
        assertEquals(200, r.status(), r.body());
        for (JsonNode item : r.json().get("results")) {
            assertEquals(200, item.get("status").asInt(), item.toString());
            assertEquals(id, item.get("id").asText());
        }
        JsonNode p = api().get("/identify/" + id).json();
        assertEquals(Api.json("{\"b\":1}"), p.get("traits"));
        assertEquals(2, p.get("version").asInt(), "consecutive merges of one profile compose into one change");
        assertEquals(List.of(2L), versionsOf(id, "hook"));
    }

    @Test
    void sameNewEmailTwiceMakesOneProfile() {
        Api.Response r = api().post("/identify/batch", "["
                + "{\"identifiers\":{\"email\":\"twice@example.com\"},\"traits\":{\"a\":1}},"
                + "{\"identifiers\":{\"email\":\" TWICE@example.com\",\"userId\":\"twice\"},\"traits\":{\"b\":2}},"
                + "{\"identifiers\":{\"userId\":\"twice\"},\"traits\":{\"c\":3}}"
                + "]");
        assertEquals(200, r.status(), r.body());
        JsonNode results = r.json().get("results");
        assertEquals(201, results.get(0).get("status").asInt());
        assertEquals(200, results.get(1).get("status").asInt());
        assertEquals(200, results.get(2).get("status").asInt());
        String id = results.get(0).get("id").asText();
        assertEquals(id, results.get(1).get("id").asText());
        assertEquals(id, results.get(2).get("id").asText());
        assertEquals(Api.json("{\"a\":1,\"b\":2,\"c\":3}"), api().get("/identify/" + id).json().get("traits"));
        assertEquals(id, api().get("/identify?userId=twice").json().get("data").get(0).get("id").asText());
    }

    @Test
    void suppressedPeopleAreNotCreatedAgainByABatch() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"batch-suppressed@example.com\"}}").json().get("id").asText();
        assertEquals(202, api().delete("/identify/" + id + "?suppress=true").status());
        Api.Response r = api().post("/identify/batch", "["
                + "{\"identifiers\":{\"email\":\"Batch-Suppressed@example.com\"}},"
                + "{\"identifiers\":{\"email\":\"batch-not-suppressed@example.com\"}}"
                + "]");
        assertEquals(200, r.status(), r.body());
        JsonNode results = r.json().get("results");
        assertEquals(409, results.get(0).get("status").asInt());
        assertEquals(1, results.get(0).get("error").get("suppressions").size());
        assertEquals(201, results.get(1).get("status").asInt());
        assertEquals(0, api().get("/identify?email=batch-suppressed@example.com").json().get("data").size());
    }

    @Test
    void uniqueValuesMoveInRequestOrder() {
        String p = create("{\"identifiers\":{\"email\":\"move-old@example.com\"}}");
        String q = create("{\"identifiers\":{\"email\":\"move-q@example.com\"}}");
        Api.Response r = api().post("/identify/batch", "["
                + "{\"id\":\"" + q + "\",\"identifiers\":{\"email\":\"move-old@example.com\"}},"   // still P's: 409
                + "{\"id\":\"" + p + "\",\"identifiers\":{\"email\":\"move-new@example.com\"}},"   // frees move-old
                + "{\"id\":\"" + q + "\",\"identifiers\":{\"email\":\"move-old@example.com\"}},"   // now Q's: 200
                + "{\"identifiers\":{\"email\":\"move-q@example.com\"}},"                          // Q released it: 201
                + "{\"identifiers\":{\"email\":\"move-new@example.com\"},\"traits\":{\"p\":1}}"    // P: 200
                + "]");
        assertEquals(200, r.status(), r.body());
        JsonNode results = r.json().get("results");
        assertEquals(List.of(409, 200, 200, 201, 200), statuses(results));
        assertNotEquals(q, results.get(3).get("id").asText());
        assertEquals(p, results.get(4).get("id").asText());
        assertEquals(q, api().get("/identify?email=move-old@example.com").json().get("data").get(0).get("id").asText());
        assertEquals(p, api().get("/identify?email=move-new@example.com").json().get("data").get(0).get("id").asText());
    }

    @Test
    void outboxEventsMatchThoseOfSingleCalls() throws Exception {
        Api.Response single = api().post("/identify", "{\"identifiers\":{\"email\":\"ev-single@example.com\",\"name\":{\"first\":\"A\",\"x\":null}},\"traits\":{\"a\":1,\"b\":{\"c\":2}}}");
        String s = single.json().get("id").asText();
        api().post("/identify/" + s, "{\"identifiers\":{\"name\":{\"last\":\"L\"}},\"traits\":{\"a\":null,\"b\":{\"d\":3},\"e\":4}}");
        api().post("/identify/" + s, "{\"traits\":{\"e\":4}}");

        Api.Response batch = api().post("/identify/batch", "["
                + "{\"identifiers\":{\"email\":\"ev-batch@example.com\",\"name\":{\"first\":\"A\",\"x\":null}},\"traits\":{\"a\":1,\"b\":{\"c\":2}}},"
                + "{\"identifiers\":{\"email\":\"ev-batch@example.com\",\"name\":{\"last\":\"L\"}},\"traits\":{\"a\":null,\"b\":{\"d\":3},\"e\":4}},"
                + "{\"identifiers\":{\"email\":\"ev-batch@example.com\"},\"traits\":{\"e\":4}}"
                + "]");
        assertEquals(List.of(201, 200, 200), statuses(batch.json().get("results")));
        String b = batch.json().get("results").get(0).get("id").asText();

        for (String destination : List.of("hook", "crm")) {
            List<ObjectNode> singles = events(s, destination);
            List<ObjectNode> batched = events(b, destination);
            assertEquals(2, singles.size(), "create and one effective change: " + singles);
            assertEquals(singles.size(), batched.size());
            for (int i = 0; i < singles.size(); i++) {
                ObjectNode expected = normalized(singles.get(i), s);
                ObjectNode actual = normalized(batched.get(i), b);
                assertEquals(expected, actual, destination + " event " + i);
            }
        }
        assertEquals(api().get("/identify/" + s).json().get("traits"), api().get("/identify/" + b).json().get("traits"));
    }

    @Test
    void concurrentBatchesRacingForTheSameValuesMakeOneProfileEach() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<Api.Response>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                items.add("{\"identifiers\":{\"email\":\"race-" + i + "@example.com\"},\"traits\":{\"t" + t + "\":" + i + "}}");
            }
            java.util.Collections.shuffle(items, new java.util.Random(t));
            futures.add(pool.submit(() -> api().post("/identify/batch", "[" + String.join(",", items) + "]")));
        }
        int created = 0;
        for (java.util.concurrent.Future<Api.Response> f : futures) {
            Api.Response r = f.get();
            assertEquals(200, r.status(), r.body());
            for (JsonNode item : r.json().get("results")) {
                assertTrue(item.get("status").asInt() == 201 || item.get("status").asInt() == 200, item.toString());
                created += item.get("status").asInt() == 201 ? 1 : 0;
            }
        }
        pool.shutdown();
        assertEquals(50, created, "one profile per email");
        for (int i = 0; i < 50; i += 7) {
            JsonNode found = api().get("/identify?email=race-" + i + "@example.com").json().get("data");
            assertEquals(1, found.size());
            assertEquals(4, found.get(0).get("traits").size(), "every batch merged into it");
        }
    }

    @Test
    void thousandItemsPassAndMoreAreRefused() {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            body.append(i == 0 ? "" : ",").append("{\"identifiers\":{\"email\":\"bulk-").append(i)
                    .append("@example.com\",\"name\":{\"first\":\"F").append(i % 7).append("\"}},\"traits\":{\"i\":")
                    .append(i).append("}}");
        }
        Api.Response ok = api().post("/identify/batch", body + "]");
        assertEquals(200, ok.status(), ok.body());
        JsonNode results = ok.json().get("results");
        assertEquals(1000, results.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, results.get(i).get("index").asInt());
            assertEquals(201, results.get(i).get("status").asInt());
        }
        assertEquals(999, api().get("/identify/" + results.get(999).get("id").asText()).json().get("traits").get("i").asInt());

        Api.Response tooMany = api().post("/identify/batch", body + ",{\"identifiers\":{\"k\":1}}]");
        assertEquals(413, tooMany.status(), tooMany.body());
        assertEquals("application/problem+json", tooMany.header("Content-Type"));
        assertEquals(413, tooMany.json().get("status").asInt());
    }

    @Test
    void bodiesOver2MBAreRefused() {
        String filler = "x".repeat(2000);
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; body.length() <= 2 * 1024 * 1024; i++) {
            body.append(i == 0 ? "" : ",").append("{\"identifiers\":{\"k\":\"").append(filler).append("\"}}");
        }
        Api.Response r = api().post("/identify/batch", body + "]");
        assertEquals(413, r.status(), r.body());
        assertEquals("application/problem+json", r.header("Content-Type"));
    }

    @Test
    void bodiesThatAreNotArraysAreRefused() {
        for (String body : List.of("{\"identifiers\":{\"a\":1}}", "\"x\"", "[{]", "")) {
            Api.Response r = api().post("/identify/batch", body);
            assertEquals(400, r.status(), body + " → " + r.body());
            assertEquals("application/problem+json", r.header("Content-Type"));
        }
        Api.Response empty = api().post("/identify/batch", "[]");
        assertEquals(200, empty.status());
        assertEquals(0, empty.json().get("results").size());
    }

    @Test
    void needsTheWriteScope() {
        Api.Response key = api().post("/admin/api-keys", "{\"name\":\"reader\",\"scopes\":[\"profiles:read\"]}");
        String secret = key.json().path("key").asText(key.json().path("secret").asText());
        Api.Response r = api().withKey(secret).post("/identify/batch", "[]");
        assertEquals(403, r.status(), key.body() + " " + r.body());
        assertEquals(401, api().withKey(null).post("/identify/batch", "[]").status());
    }

    private String create(String body) {
        Api.Response r = api().post("/identify", body);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    private static List<Integer> statuses(JsonNode results) {
        List<Integer> statuses = new ArrayList<>();
        results.forEach(r -> statuses.add(r.get("status").asInt()));
        return statuses;
    }

    private static ObjectNode normalized(ObjectNode event, String id) {
        ObjectNode copy = event.deepCopy();
        assertEquals(id, copy.remove("profileId").asText());
        assertTrue(copy.remove("occurredAt").isTextual());
        if (copy.path("identifiers").has("email")) {
            copy.with("identifiers").put("email", "(differs)");
        }
        return copy;
    }

    private List<ObjectNode> events(String profileId, String destination) throws Exception {
        List<ObjectNode> events = new ArrayList<>();
        try (Connection c = TestDatabase.connect();
             // No workers run, so no destination has cursors for delivery_status to expand the log with: a
             // destination's events are the changes for every destination (null) or for it.
             PreparedStatement ps = c.prepareStatement("select kind, version, change::text, workspace_id"
                     + " from profilehub.change_log where profile_id = ?"
                     + " and (destination is null or destination = ?) order by id")) {
            ps.setString(1, profileId);
            ps.setString(2, destination);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode payload = (ObjectNode) Api.json(rs.getString(3));
                    assertEquals("upsert", rs.getString(1));
                    assertEquals(payload.get("version").asLong(), rs.getLong(2));
                    assertEquals(workspace, rs.getString(4));
                    events.add(payload);
                }
            }
        }
        return events;
    }

    private List<Long> versionsOf(String profileId, String destination) {
        try {
            return events(profileId, destination).stream().skip(1).map(e -> e.get("version").asLong()).toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
