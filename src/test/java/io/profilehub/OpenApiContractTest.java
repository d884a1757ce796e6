package io.profilehub;

import com.atlassian.oai.validator.model.SimpleResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.OpenApiContract;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TcpProxy;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives every endpoint into each of its documented answers against the running service and checks each real
 * answer (status documented for the operation, content type, headers, body schema) against
 * openapi/profilehub.yaml. The last test fails if the spec documents an answer that no test produced.
 *
 * <p>Sync states, dead letters and erasure progress are real: a webhook destination posts to a WireMock server that
 * refuses chosen events. 429 and 503 come from two more instances of the service that the class starts itself: one
 * with a rate limit of one request per second, one whose connection to the database is cut after start-up.
 */
@MicronautTest(transactional = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractTest extends ServiceTest {
    private static final String JSON = "application/json";
    private static final String PROBLEM = "application/problem+json";
    private static final int OVER_ONE_MIB = 1024 * 1024 + 1;
    private static final String NO_USER = "usr_0000000000000000";

    private final OpenApiContract contract = new OpenApiContract();
    private final String run = UUID.randomUUID().toString();
    private final WireMockServer hook = new WireMockServer(options().dynamicPort());
    private String readerKey;
    private String writerKey;

    @Override
    protected Map<String, String> extraProperties() {
        if (!hook.isRunning()) {
            hook.start();
        }
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.destinations.hook.type", "webhook");
        p.put("profilehub.destinations.hook.url", hook.baseUrl() + "/hook");
        p.put("profilehub.destinations.hook.token", "contract-secret");
        p.put("profilehub.destinations.hook.workspaces", workspace); // so this workspace's admin may pause it
        p.put("profilehub.destinations.off.type", "webhook");
        p.put("profilehub.destinations.off.url", hook.baseUrl() + "/off");
        p.put("profilehub.destinations.off.token", "contract-secret");
        p.put("profilehub.destinations.off.enabled", "false");
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.max-delay", "200ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        return p;
    }

    @BeforeAll
    void createKeysWithOneScope() {
        readerKey = createKey("reader", "profiles:read").path("key").asText();
        writerKey = createKey("writer", "profiles:write").path("key").asText();
        hook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        // Upserts of profiles with a 'refuse' trait are refused for good: they become dead letters.
        hook.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.traits.refuse")).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"refuse is not allowed\"}")));
    }

    @AfterAll
    void stopHook() {
        hook.stop();
    }

    @Test
    @Order(1)
    void specIsAValidOpenApi303Document() {
        assertEquals(List.of(), contract.parseMessages());
        assertEquals("3.0.3", contract.api().getOpenapi());
    }

    @Test
    @Order(2)
    void checksCatchResponsesThatDriftFromTheSpec() {
        String id = expect(201, call("POST", "/identify", "{\"identifiers\":{\"k\":\"drift-" + run + "\"}}"))
                .json().path("id").asText();
        Api.Response real = expect(200, call("GET", "/identify/" + id, null));

        ObjectNode withoutVersion = real.json().deepCopy();
        withoutVersion.remove("version");
        assertFalse(contract.violations("GET", "/identify/" + id, jsonResponse(200, JSON, withoutVersion)).isEmpty(),
                "a profile without its version must not pass");

        ObjectNode extraMember = real.json().deepCopy();
        extraMember.put("internalNote", "x");
        assertFalse(contract.violations("GET", "/identify/" + id, jsonResponse(200, JSON, extraMember)).isEmpty(),
                "an undocumented member must not pass");

        assertFalse(contract.violations("GET", "/identify/" + id, jsonResponse(418, JSON, real.json())).isEmpty(),
                "an undocumented status must not pass");
        assertFalse(contract.violations("DELETE", "/identify/" + id, jsonResponse(409, "application/problem+json",
                real.json())).isEmpty(), "a status documented elsewhere but not for this operation must not pass");

        Api.Response missing = expect(404, call("GET", "/identify/usr_0000000000000000", null));
        assertFalse(contract.violations("GET", "/identify/usr_0000000000000000",
                        jsonResponse(404, "text/html", missing.json())).isEmpty(),
                "a problem under an undocumented content type must not pass");
        ObjectNode withoutDetail = missing.json().deepCopy();
        withoutDetail.remove("detail");
        assertFalse(contract.violations("GET", "/identify/usr_0000000000000000",
                        jsonResponse(404, "application/problem+json", withoutDetail)).isEmpty(),
                "a problem without its detail must not pass");

        Api.Response created = expect(201, call("POST", "/identify", "{\"identifiers\":{\"k\":\"drift2-" + run + "\"}}"));
        SimpleResponse withoutLocation = SimpleResponse.Builder.status(201).withContentType(JSON)
                .withHeader("ETag", created.header("ETag")).withBody(created.body()).build();
        assertFalse(contract.violations("POST", "/identify", withoutLocation).isEmpty(),
                "a 201 without its Location header must not pass");
        assertFalse(contract.violations(new OpenApiContract.Exchange("POST", "/identify", "{\"traits\":{}}",
                        Map.of("Content-Type", JSON, "Authorization", "Bearer " + adminKey), created)).isEmpty(),
                "a request the spec refuses must not pass when the service accepted it");

        ObjectNode lastPage = expect(200, call("GET", "/identify?k=drift-" + run, null)).json().deepCopy();
        lastPage.putNull("nextPageToken");
        assertFalse(contract.violations("GET", "/identify", jsonResponse(200, JSON, lastPage)).isEmpty(),
                "the last page has no token rather than a null one");

        Api.Response erased = expect(202, call("DELETE", "/identify/" + id, null));
        ObjectNode oddDestination = erased.json().deepCopy();
        ((ObjectNode) oddDestination.withArray("destinations").get(0)).put("status", "forgotten");
        assertFalse(contract.violations("GET", "/erasures/" + id, jsonResponse(200, JSON, oddDestination)).isEmpty(),
                "an erasure status the spec does not name must not pass");
        assertFalse(contract.violations("DELETE", "/identify/" + id, jsonResponse(202, JSON, erased.json())).isEmpty(),
                "a 202 erasure without its Location header must not pass");
        Api.Response refused = expect(403, as(readerKey).get("/sync/destinations"), "GET", "/sync/destinations", null);
        assertFalse(contract.violations("GET", "/sync/destinations", jsonResponse(429, PROBLEM,
                        ((ObjectNode) refused.json().deepCopy()).put("status", 429))).isEmpty(),
                "a 429 without Retry-After must not pass");
    }

    @Test
    @Order(10)
    void identify() {
        String email = "contract-" + run + "@example.com";
        String body = "{\"identifiers\":{\"email\":\"" + email + "\"},\"traits\":{\"plan\":\"free\"}}";
        Api.Response created = expect(201, call("POST", "/identify", body));
        String id = created.json().path("id").asText();
        expect(200, call("POST", "/identify", "{\"identifiers\":{\"email\":\"" + email + "\"},\"traits\":null}"));

        String other = expect(201, call("POST", "/identify",
                "{\"identifiers\":{\"userId\":\"contract-" + run + "\"}}")).json().path("id").asText();
        Api.Response conflict = expect(409, call("POST", "/identify",
                "{\"identifiers\":{\"email\":\"" + email + "\",\"userId\":\"contract-" + run + "\"}}"));
        assertEquals(Set.of(id, other), Set.of(conflict.json().path("profiles").get(0).asText(),
                conflict.json().path("profiles").get(1).asText()));

        expect(400, call("POST", "/identify", "{\"traits\":{}}"));
        expect(401, as(null).send("POST", "/identify", body, Map.of("Content-Type", JSON)), "POST", "/identify", body);
        expect(403, as(readerKey).send("POST", "/identify", body, Map.of("Content-Type", JSON)), "POST", "/identify", body);
        expect(413, call("POST", "/identify", tooLarge()));
        expect(415, send("POST", "/identify", body, Map.of("Content-Type", "text/plain")));
    }

    @Test
    @Order(10)
    void batch() {
        String email = "contract-batch-" + run + "@example.com";
        String body = "[{\"identifiers\":{\"email\":\"" + email + "\"}},{\"identifiers\":{}},"
                + "{\"id\":\"usr_0000000000000000\",\"traits\":{\"a\":1}}]";
        Api.Response r = expect(200, call("POST", "/identify/batch", body));
        assertEquals(201, r.json().path("results").get(0).path("status").asInt());
        assertEquals(400, r.json().path("results").get(1).path("status").asInt());
        assertEquals(404, r.json().path("results").get(2).path("status").asInt());
        expect(400, call("POST", "/identify/batch", "{\"identifiers\":{}}"));
        expect(401, as(null).send("POST", "/identify/batch", body, Map.of("Content-Type", JSON)), "POST", "/identify/batch", body);
        expect(403, as(readerKey).send("POST", "/identify/batch", body, Map.of("Content-Type", JSON)), "POST", "/identify/batch", body);
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < 1001; i++) {
            many.append(i == 0 ? "" : ",").append("{\"identifiers\":{\"k\":\"v\"}}");
        }
        expect(413, call("POST", "/identify/batch", many.append("]").toString()));
        expect(415, send("POST", "/identify/batch", body, Map.of("Content-Type", "text/plain")));
    }

    @Test
    @Order(11)
    void search() {
        for (int i = 0; i < 3; i++) {
            expect(201, call("POST", "/identify", "{\"identifiers\":{\"batch\":\"search-" + run + "\",\"n\":" + i + "}}"));
        }
        Api.Response first = expect(200, call("GET", "/identify?batch=search-" + run + "&limit=2", null));
        assertEquals(2, first.json().path("data").size());
        String next = first.json().path("meta").path("nextPageUrl").asText();
        Api.Response second = expect(200, call("GET", next, null));
        assertEquals(1, second.json().path("data").size());
        assertFalse(second.json().has("nextPageToken"));
        expect(200, call("GET", second.json().path("meta").path("previousPageUrl").asText(), null));
        expect(200, call("GET", "/identify", null));

        expect(400, call("GET", "/identify?limit=0", null));
        expect(413, call("GET", "/identify?k=" + "v".repeat(5000), null));
        expect(401, as(null).get("/identify"), "GET", "/identify", null);
        expect(403, as(writerKey).get("/identify"), "GET", "/identify", null);

        // Newest first: the three just created lead, the last one first; the next page goes on after them.
        Api.Response newest = expect(200, call("GET", "/profiles?limit=2", null));
        JsonNode lead = newest.json().path("data");
        assertEquals(List.of("2", "1"), List.of(lead.get(0).path("identifiers").path("n").asText(),
                lead.get(1).path("identifiers").path("n").asText()), newest.body());
        JsonNode after = expect(200, call("GET", newest.json().path("meta").path("nextPageUrl").asText(), null))
                .json().path("data");
        assertEquals("0", after.get(0).path("identifiers").path("n").asText(), after.toString());
        expect(400, call("GET", "/profiles?limit=0", null));
        refusals("GET", "/profiles", null, writerKey);
    }

    @Test
    @Order(12)
    void readUpdateTrackAndDelete() {
        String id = expect(201, call("POST", "/identify", "{\"identifiers\":{\"k\":\"crud-" + run + "\"}}"))
                .json().path("id").asText();
        String path = "/identify/" + id;
        String missing = "/identify/usr_0000000000000000";

        expect(200, call("GET", path, null));
        expect(400, call("GET", "/identify/nope", null));
        expect(401, as(null).get(path), "GET", path, null);
        expect(403, as(writerKey).get(path), "GET", path, null);
        expect(404, call("GET", missing, null));

        String patch = "{\"identifiers\":{\"city\":\"Oslo\"},\"traits\":{\"a\":1}}";
        expect(200, send("POST", path, patch, Map.of("Content-Type", JSON, "If-Match", "\"1\"")));
        expect(400, call("POST", path, "{\"identifiers\":[]}"));
        expect(401, as(null).send("POST", path, patch, Map.of("Content-Type", JSON)), "POST", path, patch);
        expect(403, as(readerKey).send("POST", path, patch, Map.of("Content-Type", JSON)), "POST", path, patch);
        expect(404, call("POST", missing, patch));
        String owner = expect(201, call("POST", "/identify", "{\"identifiers\":{\"externalId\":\"crud-" + run + "\"}}"))
                .json().path("id").asText();
        Api.Response steal = expect(409, call("POST", path, "{\"identifiers\":{\"externalId\":\"crud-" + run + "\"}}"));
        assertTrue(steal.json().path("detail").asText().contains(owner), steal.body());
        expect(412, send("POST", path, patch, Map.of("Content-Type", JSON, "If-Match", "\"1\"")));
        expect(413, call("POST", path, tooLarge()));
        expect(415, send("POST", path, patch, Map.of("Content-Type", "application/x-www-form-urlencoded")));

        String track = "/track/" + id;
        String traits = "{\"traits\":{\"visits\":1}}";
        expect(200, send("POST", track, traits, Map.of("Content-Type", JSON, "If-Match", "\"2\"")));
        expect(400, call("POST", track, "{\"traits\":\"many\"}"));
        expect(401, as(null).send("POST", track, traits, Map.of("Content-Type", JSON)), "POST", track, traits);
        expect(403, as(readerKey).send("POST", track, traits, Map.of("Content-Type", JSON)), "POST", track, traits);
        expect(404, call("POST", "/track/usr_0000000000000000", traits));
        expect(412, send("POST", track, traits, Map.of("Content-Type", JSON, "If-Match", "\"2\"")));
        expect(413, call("POST", track, tooLarge()));
        expect(415, send("POST", track, traits, Map.of()));

        expect(400, call("DELETE", "/identify/usr_short", null));
        expect(401, as(null).delete(path), "DELETE", path, null);
        expect(403, as(readerKey).delete(path), "DELETE", path, null);
        Api.Response erased = expect(202, call("DELETE", path, null));
        assertEquals("/erasures/" + id, erased.header("Location"));
        assertEquals(erased.json().path("requestedAt"), expect(202, call("DELETE", path, null)).json().path("requestedAt"),
                "erasing again answers with the first erasure");
        expect(404, call("DELETE", missing, null));
        expect(404, call("GET", path, null));
    }

    @Test
    @Order(13)
    void apiKeys() {
        String body = "{\"name\":\"contract\",\"scopes\":[\"profiles:read\"]}";
        String keyId = expect(201, call("POST", "/admin/api-keys", body)).json().path("id").asText();
        expect(400, call("POST", "/admin/api-keys", "{\"name\":\"contract\",\"scopes\":[]}"));
        expect(401, as(null).send("POST", "/admin/api-keys", body, Map.of("Content-Type", JSON)),
                "POST", "/admin/api-keys", body);
        expect(403, as(readerKey).send("POST", "/admin/api-keys", body, Map.of("Content-Type", JSON)),
                "POST", "/admin/api-keys", body);
        expect(413, call("POST", "/admin/api-keys", tooLarge()));
        expect(415, send("POST", "/admin/api-keys", body, Map.of("Content-Type", "text/plain")));

        expect(200, call("GET", "/admin/api-keys", null));
        JsonNode keyPage = expect(200, call("GET", "/admin/api-keys?limit=1", null)).json();
        assertTrue(keyPage.path("meta").path("nextPageUrl").isTextual(), "several keys, one per page: " + keyPage);
        expect(200, call("GET", keyPage.path("meta").path("nextPageUrl").asText(), null));
        expect(400, call("GET", "/admin/api-keys?limit=0", null));
        expect(401, as(null).get("/admin/api-keys"), "GET", "/admin/api-keys", null);
        expect(403, as(readerKey).get("/admin/api-keys"), "GET", "/admin/api-keys", null);

        String revoke = "/admin/api-keys/" + keyId;
        expect(400, call("DELETE", "/admin/api-keys/not-a-key-id", null));
        expect(401, as(null).delete(revoke), "DELETE", revoke, null);
        expect(403, as(readerKey).delete(revoke), "DELETE", revoke, null);
        expect(204, call("DELETE", revoke, null));
        expect(404, call("DELETE", revoke, null));
    }

    @Test
    @Order(14)
    void operations() {
        expect(200, as(null).get("/health"), "GET", "/health", null);
        expect(404, as(null).get("/health/liveness"), "GET", "/health/liveness", null);
    }

    @Test
    @Order(15)
    void erasure() {
        String email = "erase-" + run + "@example.com";
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\"},\"traits\":{\"plan\":\"pro\"}}");
        String path = "/identify/" + id;
        Map<String, String> key = Map.of("Idempotency-Key", "erase-" + run);
        Api.Response first = expect(202, send("DELETE", path + "?suppress=true", null, key));
        assertEquals("in_progress", first.json().path("status").asText(), first.body());
        assertEquals("pending", first.json().path("destinations").get(0).path("status").asText(), first.body());
        assertEquals(first.json(), expect(202, send("DELETE", path + "?suppress=true", null, key)).json(),
                "the same Idempotency-Key gets the first answer");
        expect(422, send("DELETE", "/identify/" + NO_USER, null, key));
        expect(400, call("DELETE", path + "?suppress=maybe", null));
        expect(400, send("DELETE", path, null, Map.of("Idempotency-Key", "k".repeat(256))));

        // Suppression: the erased email may not create a profile again until an admin lifts it.
        Api.Response suppressed = expect(409, call("POST", "/identify", "{\"identifiers\":{\"email\":\"" + email + "\"}}"));
        String hash = suppressed.json().path("suppressions").get(0).asText();
        String lift = "/suppressions/" + hash;
        expect(400, call("DELETE", "/suppressions/not-a-hash", null));
        refusals("DELETE", lift, null, readerKey);
        expect(204, call("DELETE", lift, null));
        expect(404, call("DELETE", lift, null));
        create("{\"identifiers\":{\"email\":\"" + email + "\"}}");

        Awaits.until(Duration.ofSeconds(10), () -> api().get("/erasures/" + id).json().path("status").asText()
                .equals("completed"));
        Api.Response record = expect(200, call("GET", "/erasures/" + id, null));
        assertEquals("erased", record.json().path("destinations").get(0).path("status").asText(), record.body());
        expect(400, call("GET", "/erasures/nope", null));
        refusals("GET", "/erasures/" + id, null, writerKey);
        expect(404, call("GET", "/erasures/" + NO_USER, null));

        // Bulk, with an erasure the destination refuses for good.
        String doomed = create("{\"identifiers\":{\"k\":\"doomed-" + run + "\"}}");
        hook.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.type", equalTo("profile.erase")))
                .withRequestBody(matchingJsonPath("$.profileId", equalTo(doomed))).atPriority(1)
                .willReturn(aResponse().withStatus(400).withBody("{\"error\":\"cannot erase this one\"}")));
        String bulk = "{\"userIds\":[\"" + doomed + "\",\"" + id + "\",\"" + NO_USER + "\",\"nope\"]}";
        Map<String, String> bulkKey = Map.of("Content-Type", JSON, "Idempotency-Key", "bulk-" + run);
        JsonNode answers = expect(202, send("POST", "/erasures", bulk, bulkKey)).json().path("data");
        assertEquals(List.of("in_progress", "completed", "not_found", "invalid"),
                List.of(answers.get(0).path("status").asText(), answers.get(1).path("status").asText(),
                        answers.get(2).path("status").asText(), answers.get(3).path("status").asText()));
        expect(422, send("POST", "/erasures", "{\"userIds\":[\"" + NO_USER + "\"]}", bulkKey));
        expect(400, call("POST", "/erasures", "{\"userIds\":[]}"));
        expect(400, call("POST", "/erasures", "{\"userIds\":\"" + NO_USER + "\"}"));
        refusals("POST", "/erasures", bulk, readerKey);
        expect(413, call("POST", "/erasures", "{\"userIds\":[" + String.join(",",
                Collections.nCopies(1001, "\"" + NO_USER + "\"")) + "]}"));
        expect(415, send("POST", "/erasures", bulk, Map.of("Content-Type", "text/plain")));

        Awaits.until(Duration.ofSeconds(10), () -> api().get("/erasures/" + doomed).json().path("status").asText()
                .equals("completed"));
        JsonNode dead = expect(200, call("GET", "/erasures/" + doomed, null)).json().path("destinations").get(0);
        assertEquals("dead", dead.path("status").asText(), dead.toString());
        assertEquals(400, dead.path("lastStatus").asInt(), dead.toString());

        Api.Response page = expect(200, call("GET", "/erasures?status=completed&limit=1", null));
        assertEquals(1, page.json().path("data").size(), page.body());
        assertTrue(page.json().has("nextPageToken"), "several completed erasures, one per page: " + page.body());
        String next = page.json().path("nextPageToken").asText();
        expect(200, call("GET", "/erasures?status=completed&limit=1&pageToken=" + next, null));
        expect(200, call("GET", "/erasures", null));
        expect(400, call("GET", "/erasures?status=done", null));
        expect(400, call("GET", "/erasures?pageToken=bm9wZQ", null));
        refusals("GET", "/erasures", null, readerKey);
    }

    @Test
    @Order(15)
    void profileSizeLimitAndIdempotencyKeyInFlight() throws Exception {
        String blob = "{\"traits\":{\"blob\":\"" + "x".repeat(300_000) + "\"}}"; // over the default 256 KiB
        expect(422, call("POST", "/identify", "{\"identifiers\":{\"k\":\"big-" + run + "\"}," + blob.substring(1)));
        String id = create("{\"identifiers\":{\"k\":\"limit-" + run + "\"}}");
        expect(422, call("POST", "/identify/" + id, blob));
        expect(422, call("POST", "/track/" + id, blob));

        // The profile's row lock, taken here, keeps the first request with each key in flight.
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (java.sql.Connection holder = TestDatabase.connect()) {
            holder.setAutoCommit(false);
            try (var ps = holder.prepareStatement("select 1 from profilehub.profiles where id = ? for update")) {
                ps.setString(1, id);
                ps.executeQuery().close();
            }
            Map<String, String> key = Map.of("Idempotency-Key", "flight-" + run);
            Future<OpenApiContract.Exchange> erase = pool.submit(() -> send("DELETE", "/identify/" + id, null, key));
            String bulk = "{\"userIds\":[\"" + id + "\"]}";
            Map<String, String> bulkKey = Map.of("Content-Type", JSON, "Idempotency-Key", "flight-bulk-" + run);
            Future<OpenApiContract.Exchange> bulkErase = pool.submit(() -> send("POST", "/erasures", bulk, bulkKey));
            Awaits.until(Duration.ofSeconds(10), () -> claimed("flight-" + run) && claimed("flight-bulk-" + run));
            expect(409, send("DELETE", "/identify/" + id, null, key));
            expect(409, send("POST", "/erasures", bulk, bulkKey));
            holder.rollback();
            expect(202, erase.get());
            expect(202, bulkErase.get());
        } finally {
            pool.shutdown();
        }
    }

    private static boolean claimed(String key) {
        try (java.sql.Connection c = TestDatabase.connect();
             var ps = c.prepareStatement("select count(*) from profilehub.idempotency_keys where key = ? and state = 'claimed'")) {
            ps.setString(1, key);
            try (var rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) == 1;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(16)
    void merges() {
        String a = create("{\"identifiers\":{\"email\":\"merge-a-" + run + "@x.io\"},\"traits\":{\"plan\":\"free\"}}");
        String b = create("{\"identifiers\":{\"email\":\"merge-b-" + run + "@x.io\"},\"traits\":{\"plan\":\"pro\"}}");
        String c = create("{\"identifiers\":{\"k\":\"merge-c-" + run + "\"}}");
        String merge = "/identify/" + b + "/merge";
        String fromA = "{\"from\":\"" + a + "\",\"prefer\":\"from\"}";
        expect(400, call("POST", merge, "{\"from\":\"" + b + "\"}"));
        refusals("POST", merge, fromA, readerKey);
        expect(404, call("POST", "/identify/" + NO_USER + "/merge", fromA));
        expect(413, call("POST", merge, tooLarge()));
        expect(415, send("POST", merge, fromA, Map.of("Content-Type", "text/plain")));
        expect(422, call("POST", merge, "{\"from\":\"" + NO_USER + "\"}"));
        Api.Response merged = expect(200, send("POST", merge, fromA,
                Map.of("Content-Type", JSON, "X-ProfileHub-Source", "contract")));
        String mergeId = merged.json().path("merge").path("id").asText();
        expect(409, call("POST", "/identify/" + c + "/merge", "{\"from\":\"" + a + "\"}"));

        // The absorbed id: 308 on every operation naming it.
        String alias = "/identify/" + a;
        assertEquals("/identify/" + b, expect(308, call("GET", alias, null)).header("Location"));
        expect(308, call("POST", alias, "{\"traits\":{\"x\":1}}"));
        expect(308, call("DELETE", alias, null));
        expect(308, call("GET", alias + "/sync", null));
        expect(308, call("POST", "/track/" + a, "{\"traits\":{\"x\":1}}"));
        expect(308, call("POST", alias + "/merge", "{\"from\":\"" + c + "\"}"));

        // A profile's merges: the survivor's and the absorbed id's (no 308 here: it took part), newest first.
        JsonNode ofB = expect(200, call("GET", "/identify/" + b + "/merges", null)).json().path("data");
        assertEquals(mergeId + " survivor", ofB.get(0).path("id").asText() + " " + ofB.get(0).path("role").asText());
        JsonNode ofA = expect(200, call("GET", alias + "/merges?limit=1", null)).json();
        assertEquals(mergeId + " absorbed", ofA.path("data").get(0).path("id").asText() + " "
                + ofA.path("data").get(0).path("role").asText());
        expect(400, call("GET", "/identify/nope/merges", null));
        expect(404, call("GET", "/identify/" + NO_USER + "/merges", null));
        refusals("GET", "/identify/" + b + "/merges", null, writerKey);

        String record = "/merges/" + mergeId;
        assertEquals("contract", expect(200, call("GET", record, null)).json().path("source").path("label").asText());
        expect(400, call("GET", "/merges/nope", null));
        refusals("GET", record, null, writerKey);
        expect(404, call("GET", "/merges/mrg_0000000000000000", null));

        String undo = record + "/undo";
        expect(400, call("POST", "/merges/nope/undo", null));
        refusals("POST", undo, null, readerKey);
        expect(404, call("POST", "/merges/mrg_0000000000000000/undo", null));
        expect(200, call("POST", undo, null));
        expect(409, call("POST", undo, null));
        expect(200, call("GET", record, null));

        // Past the undo retention: 410.
        String gone = expect(200, call("POST", merge, "{\"from\":\"" + a + "\"}")).json().path("merge").path("id").asText();
        try (java.sql.Connection db = TestDatabase.connect();
             var ps = db.prepareStatement("update profilehub.merges set expires_at = now() where id = ?")) {
            ps.setString(1, gone);
            ps.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        server.getApplicationContext().getBean(io.profilehub.merge.MergeMaintenance.class).dropExpired();
        expect(410, call("POST", "/merges/" + gone + "/undo", null));
        expect(200, call("GET", "/merges/" + gone, null));
    }

    @Test
    @Order(16)
    void sync() {
        JsonNode destinations = expect(200, call("GET", "/sync/destinations", null)).json().path("data");
        assertEquals(List.of("hook", "off"), List.of(destinations.get(0).path("name").asText(),
                destinations.get(1).path("name").asText()), "destinations come by name, disabled ones too");
        refusals("GET", "/sync/destinations", null, readerKey);

        // While paused, changes queue: the profile's sync state shows its upsert pending.
        String pause = "/sync/destinations/hook/pause";
        String resume = "/sync/destinations/hook/resume";
        assertTrue(expect(200, call("POST", pause, null)).json().path("paused").asBoolean());
        String waiting = create("{\"identifiers\":{\"k\":\"waiting-" + run + "\"}}");
        String waitingSync = "/identify/" + waiting + "/sync";
        assertEquals("pending", expect(200, call("GET", waitingSync, null)).json().path("destinations").get(0)
                .path("status").asText());
        JsonNode hookStatus = expect(200, call("GET", "/sync/destinations", null)).json().path("data").get(0);
        assertTrue(hookStatus.path("pending").asLong() >= 1, hookStatus.toString());
        for (String action : List.of(pause, resume)) {
            expect(404, call("POST", action.replace("hook", "nope"), null));
            // 'off' serves every workspace: only an operator pauses or resumes it.
            expect(403, call("POST", action.replace("hook", "off"), null));
            expect(415, send("POST", action, "x", Map.of("Content-Type", "text/plain")));
            refusals("POST", action, null, readerKey);
        }
        assertFalse(expect(200, call("POST", resume, null)).json().path("paused").asBoolean());
        Awaits.until(Duration.ofSeconds(10), () -> api().get(waitingSync).json().path("destinations").get(0)
                .path("status").asText().equals("delivered"));
        expect(200, call("GET", waitingSync, null));
        expect(400, call("GET", "/identify/nope/sync", null));
        refusals("GET", waitingSync, null, writerKey);
        expect(404, call("GET", "/identify/" + NO_USER + "/sync", null));

        String backfill = "/sync/destinations/hook/backfill";
        Api.Response started = expect(202, call("POST", backfill, null));
        String job = "/sync/backfills/" + started.json().path("id").asText();
        assertEquals(job, started.header("Location"));
        Awaits.until(Duration.ofSeconds(10), () -> api().get(job).json().path("status").asText().equals("completed"));
        expect(200, call("GET", job, null));
        expect(409, call("POST", "/sync/destinations/off/backfill", null));
        expect(404, call("POST", "/sync/destinations/nope/backfill", null));
        expect(415, send("POST", backfill, "x", Map.of("Content-Type", "text/plain")));
        refusals("POST", backfill, null, readerKey);
        expect(400, call("GET", "/sync/backfills/nope", null));
        refusals("GET", job, null, readerKey);
        expect(404, call("GET", "/sync/backfills/bf_0000000000000000", null));

        String refused = create("{\"identifiers\":{\"k\":\"refused-" + run + "\"},\"traits\":{\"refuse\":true}}");
        long deadId = awaitDeadLetter(refused);
        String refusedSync = "/identify/" + refused + "/sync";
        assertEquals("dead", expect(200, call("GET", refusedSync, null)).json().path("destinations").get(0)
                .path("status").asText());
        // A second dead letter, so the listing below has a next page to check against the contract.
        awaitDeadLetter(create("{\"identifiers\":{\"k\":\"refused2-" + run + "\"},\"traits\":{\"refuse\":true}}"));
        String filtered = "/sync/dead-letters?destination=hook&status=422&since=2020-01-01T00:00:00Z&limit=1";
        Api.Response letters = expect(200, call("GET", filtered, null));
        assertTrue(letters.json().has("nextPageToken"), "two dead letters, one per page: " + letters.body());
        Api.Response nextLetters = expect(200, call("GET",
                filtered + "&pageToken=" + letters.json().path("nextPageToken").asText(), null));
        assertEquals(1, nextLetters.json().path("data").size(), nextLetters.body());
        assertNotEquals(letters.json().path("data").get(0).path("id").asLong(),
                nextLetters.json().path("data").get(0).path("id").asLong(), "the next page goes on");
        expect(200, call("GET", letters.json().path("meta").path("nextPageUrl").asText(), null));
        JsonNode own = expect(200, call("GET", "/sync/dead-letters?userId=" + refused, null)).json().path("data");
        assertEquals(List.of(deadId), java.util.stream.StreamSupport.stream(own.spliterator(), false)
                .map(d -> d.path("id").asLong()).toList(), "only that profile's dead letters");
        expect(400, call("GET", "/sync/dead-letters?userId=nope", null));
        expect(400, call("GET", "/sync/dead-letters?status=refused", null));
        expect(400, call("GET", "/sync/dead-letters?since=yesterday", null));
        expect(400, call("GET", "/sync/dead-letters?pageToken=bm9wZQ", null));
        refusals("GET", "/sync/dead-letters", null, readerKey);

        String retryOne = "/sync/dead-letters/" + deadId + "/retry";
        assertEquals(1, expect(202, call("POST", retryOne, null)).json().path("retried").asInt());
        expect(400, call("POST", "/sync/dead-letters/x/retry", null));
        expect(404, call("POST", "/sync/dead-letters/0/retry", null));
        expect(415, send("POST", retryOne, "x", Map.of("Content-Type", "text/plain")));
        refusals("POST", retryOne, null, readerKey);
        awaitDeadLetter(refused);

        String retryAll = "/sync/destinations/hook/dead-letters/retry";
        expect(202, call("POST", retryAll + "?status=422", null));
        expect(400, call("POST", retryAll + "?until=tomorrow", null));
        expect(404, call("POST", "/sync/destinations/nope/dead-letters/retry", null));
        expect(415, send("POST", retryAll, "x", Map.of("Content-Type", "text/plain")));
        refusals("POST", retryAll, null, readerKey);
        // Sent again and refused again, it is a dead letter of its own.
        long again = awaitDeadLetter(refused);

        String discard = "/sync/dead-letters/" + again;
        expect(400, call("DELETE", "/sync/dead-letters/x", null));
        refusals("DELETE", discard, null, readerKey);
        expect(204, call("DELETE", discard, null));
        expect(404, call("DELETE", discard, null));
        // Its only event is gone, so the destination has nothing of this profile.
        assertEquals("none", expect(200, call("GET", refusedSync, null)).json().path("destinations").get(0)
                .path("status").asText());
    }

    @Test
    @Order(17)
    void webhookDeliveriesMatchTheWebhookEventSchema() {
        // The earlier tests created, changed and erased profiles: their deliveries to the hook are real bodies.
        Awaits.until(Duration.ofSeconds(30), () -> hook.findAll(postRequestedFor(urlEqualTo("/hook"))).stream()
                .anyMatch(r -> r.getBodyAsString().contains("\"profile.erase\"")));
        List<LoggedRequest> deliveries = hook.findAll(postRequestedFor(urlEqualTo("/hook")));
        Set<String> seen = new TreeSet<>();
        for (LoggedRequest delivery : deliveries) {
            JsonNode event = Api.json(delivery.getBodyAsString());
            seen.add(event.path("type").asText() + (event.path("created").asBoolean() ? " created" : ""));
            assertEquals(List.of(), contract.schemaViolations("WebhookEvent", delivery.getBodyAsString()),
                    delivery.getBodyAsString());
            assertTrue(delivery.getHeader("X-ProfileHub-Signature").startsWith("sha256="), "signed");
            assertEquals(event.path("workspaceId").asText() + ":" + event.path("profileId").asText() + ":"
                    + event.path("version").asLong(), delivery.getHeader("X-ProfileHub-Delivery"));
        }
        assertTrue(seen.containsAll(Set.of("profile.upsert created", "profile.upsert", "profile.erase")), seen.toString());
        // The check can fail: the database's own timestamp format, or an unknown type, is refused.
        assertFalse(contract.schemaViolations("WebhookEvent", """
                {"type":"profile.erase","profileId":"usr_0000000000000000","workspaceId":"w","version":2,
                 "occurredAt":"2026-11-30T02:10:28.123456+00:00"}""").isEmpty());
        assertFalse(contract.schemaViolations("WebhookEvent", """
                {"type":"profile.merge","profileId":"usr_0000000000000000","workspaceId":"w","version":2,
                 "occurredAt":"2026-11-30T02:10:28.123Z"}""").isEmpty());
    }

    @Test
    @Order(20)
    void rateLimitedKeysGet429WithRetryAfter() {
        Map<String, Object> properties = new HashMap<>(getProperties());
        properties.put("profilehub.rate-limit.enabled", "true");
        properties.put("profilehub.rate-limit.requests-per-second", "1");
        properties.put("profilehub.outbox.enabled", "false");
        try (EmbeddedServer limited = ApplicationContext.run(EmbeddedServer.class, properties)) {
            for (String[] operation : operationsDocumenting("429")) {
                String path = samplePath(operation[1]);
                String body = sampleBody(operation[0], operation[1]);
                Api.Response r = null;
                // One request a second passes (on a sample that changes nothing that matters); the next is refused.
                for (int i = 0; i < 5 && (r == null || r.status() != 429); i++) {
                    OpenApiContract.Exchange e = exchange(limited.getURI(), operation[0], path, body,
                            body == null ? Map.of() : Map.of("Content-Type", JSON));
                    r = e.response();
                    assertEquals(List.of(), contract.violations(e), operation[0] + " " + path + " -> " + r.status());
                }
                assertEquals(429, r.status(), operation[0] + " " + path + ": " + r.body());
                assertTrue(Integer.parseInt(r.header("Retry-After")) >= 1, r.header("Retry-After"));
            }
        }
    }

    @Test
    @Order(21)
    void anUnreachableDatabaseGives503WithRetryAfter() throws Exception {
        try (TcpProxy proxy = TcpProxy.toJdbcServer(TestDatabase.url())) {
            Map<String, Object> properties = new HashMap<>(getProperties());
            properties.put("datasources.default.url", proxy.jdbcUrl(TestDatabase.url()));
            properties.put("datasources.default.maximum-pool-size", "2");
            properties.put("datasources.default.minimum-idle", "2");
            properties.put("datasources.default.connection-timeout", "250");
            properties.put("datasources.default.validation-timeout", "250");
            properties.put("profilehub.outbox.enabled", "false");
            properties.put("profilehub.auth.key-cache-ttl", "0s"); // every request reads its key, as on a cold cache
            try (EmbeddedServer down = ApplicationContext.run(EmbeddedServer.class, properties)) {
                URI base = down.getURI();
                expect(200, exchange(base, "GET", "/identify?limit=1", null, Map.of()));
                proxy.close();
                // A connection used within the last 500 ms is handed out unchecked: this request breaks mid-query.
                expect(503, exchange(base, "GET", "/identify?limit=1", null, Map.of()));

                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<OpenApiContract.Exchange>> answers = new ArrayList<>();
                for (String[] operation : operationsDocumenting("503")) {
                    String path = samplePath(operation[1]);
                    String body = sampleBody(operation[0], operation[1]);
                    Map<String, String> headers = body == null ? Map.of() : Map.of("Content-Type", JSON);
                    answers.add(pool.submit(() -> operation[1].equals("/health")
                            ? new OpenApiContract.Exchange("GET", "/health", null, Map.of(),
                            new Api(base, null).get("/health"))
                            : exchange(base, operation[0], path, body, headers)));
                }
                pool.shutdown();
                for (Future<OpenApiContract.Exchange> answer : answers) {
                    Api.Response r = expect(503, answer.get());
                    if (!answer.get().pathAndQuery().equals("/health")) {
                        assertEquals("5", r.header("Retry-After"), answer.get().pathAndQuery());
                    }
                }
            }
        }
    }

    @Test
    @Order(17)
    void deliveriesPerMinute() {
        String series = "/sync/destinations/hook/deliveries";
        assertEquals(5, expect(200, call("GET", series + "?minutes=5", null)).json().path("minutes").size());
        expect(200, call("GET", series, null));
        expect(400, call("GET", series + "?minutes=0", null));
        expect(404, call("GET", "/sync/destinations/nope/deliveries", null));
        refusals("GET", series, null, readerKey);
    }

    @Test
    @Order(18)
    void historyAndExport() {
        String id = create("{\"identifiers\":{\"k\":\"history-" + run + "\",\"name\":{\"last\":\"Doe\"}},"
                + "\"traits\":{\"plan\":\"free\"}}");
        expect(200, send("POST", "/identify/" + id, "{\"traits\":{\"plan\":\"pro\",\"seats\":[1,2]}}",
                Map.of("Content-Type", JSON, "X-ProfileHub-Source", "crm-import")));
        String history = "/identify/" + id + "/history";
        Api.Response first = expect(200, call("GET", history + "?limit=1", null));
        assertTrue(first.json().has("nextPageToken"), first.body());
        expect(200, call("GET", history + "?limit=1&pageToken=" + first.json().path("nextPageToken").asText(), null));
        expect(200, call("GET", history + "?field=traits.plan&since=2020-01-01T00:00:00Z&until=2100-01-01T00:00:00Z", null));
        expect(400, call("GET", history + "?since=yesterday", null));
        expect(400, call("GET", "/identify/nope/history", null));
        expect(404, call("GET", "/identify/" + NO_USER + "/history", null));
        refusals("GET", history, null, writerKey);

        String export = "/identify/" + id + "/export";
        expect(200, call("GET", export, null));
        expect(400, call("GET", "/identify/nope/export", null));
        expect(404, call("GET", "/identify/" + NO_USER + "/export", null));
        refusals("GET", export, null, readerKey);
    }

    @Test
    @Order(18)
    void changeFeed() {
        create("{\"identifiers\":{\"k\":\"feed-" + run + "\"},\"traits\":{\"plan\":\"pro\"}}");
        Api.Response first = expect(200, call("GET", "/changes?limit=1", null));
        assertEquals(1, first.json().path("data").size(), first.body());
        String cursor = first.json().path("data").get(0).path("cursor").asText();
        // Everything after the first change: every item the earlier tests' writes left, each checked by the schema.
        Api.Response rest = expect(200, call("GET", "/changes?after=" + cursor + "&limit=1000", null));
        assertTrue(rest.json().path("data").size() > 0, rest.body());
        expect(200, call("GET", "/changes?after=" + rest.json().path("nextCursor").asText() + "&wait=0", null));
        expect(400, call("GET", "/changes?limit=0", null));
        expect(400, call("GET", "/changes?after=" + cursor.replace('.', 'x'), null));
        refusals("GET", "/changes", null, writerKey);
    }

    @Test
    @Order(100)
    void everyDocumentedAnswerWasExercised() {
        Set<String> missing = new TreeSet<>(contract.documented());
        missing.removeAll(contract.exercised());
        assertEquals(Set.of(), missing, "documented answers that no test produced (run the whole class)");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /** A request with the all-scopes key and, when there is a body, Content-Type application/json. */
    private OpenApiContract.Exchange call(String method, String path, String body) {
        return send(method, path, body, body == null ? Map.of() : Map.of("Content-Type", JSON));
    }

    private OpenApiContract.Exchange send(String method, String path, String body, Map<String, String> headers) {
        return exchange(server.getURI(), method, path, body, headers);
    }

    /** A request with the all-scopes key to the service at base (this class's, or one it started itself). */
    private OpenApiContract.Exchange exchange(URI base, String method, String path, String body,
                                              Map<String, String> headers) {
        Map<String, String> sent = new HashMap<>(headers);
        sent.put("Authorization", "Bearer " + adminKey);
        return new OpenApiContract.Exchange(method, path, body, sent,
                new Api(base, adminKey).send(method, path, body, headers));
    }

    /** 401 without a key, 403 with a key that lacks the endpoint's scope. */
    private void refusals(String method, String path, String body, String keyLackingTheScope) {
        Map<String, String> headers = body == null ? Map.of() : Map.of("Content-Type", JSON);
        expect(401, as(null).send(method, path, body, headers), method, path, body);
        expect(403, as(keyLackingTheScope).send(method, path, body, headers), method, path, body);
    }

    private String create(String body) {
        return expect(201, call("POST", "/identify", body)).json().path("id").asText();
    }

    /** Waits until the profile's event for the hook destination is dead, and returns the dead letter's id. */
    private long awaitDeadLetter(String userId) {
        long[] id = {-1};
        Awaits.until(Duration.ofSeconds(10), () -> {
            for (JsonNode letter : api().get("/sync/dead-letters?destination=hook&limit=100").json().path("data")) {
                if (letter.path("userId").asText().equals(userId)) {
                    id[0] = letter.path("id").asLong();
                    return true;
                }
            }
            return false;
        });
        return id[0];
    }

    /** Each operation (method, path template) that documents this status. */
    private List<String[]> operationsDocumenting(String status) {
        List<String[]> operations = new ArrayList<>();
        for (String answer : contract.documented()) {
            String[] parts = answer.split(" ");
            if (parts[2].equals(status)) {
                operations.add(new String[]{parts[0], parts[1]});
            }
        }
        return operations;
    }

    /** A concrete path of the template whose ids exist nowhere, so a request that gets through changes nothing. */
    private static String samplePath(String template) {
        String path = template.replace("{userId}", NO_USER).replace("{keyId}", "key_0000000000000000")
                .replace("{hash}", "0".repeat(64)).replace("{name}", "nope")
                .replace("{mergeId}", "mrg_0000000000000000");
        return path.replace("{id}", template.startsWith("/sync/backfills/") ? "bf_0000000000000000" : "0");
    }

    private static String sampleBody(String method, String template) {
        if (!method.equals("POST")) {
            return null;
        }
        return switch (template) {
            case "/identify" -> "{\"identifiers\":{\"k\":\"sample\"}}";
            case "/identify/{userId}", "/track/{userId}" -> "{\"traits\":{\"sample\":1}}";
            case "/erasures" -> "{\"userIds\":[\"" + NO_USER + "\"]}";
            case "/identify/{userId}/merge" -> "{\"from\":\"usr_0000000000000001\"}";
            case "/admin/api-keys" -> "{\"name\":\"sample\",\"scopes\":[\"profiles:read\"]}";
            default -> null;
        };
    }

    private Api.Response expect(int status, Api.Response response, String method, String path, String body) {
        return expect(status, new OpenApiContract.Exchange(method, path, body, Map.of(), response));
    }

    private Api.Response expect(int status, OpenApiContract.Exchange exchange) {
        Api.Response r = exchange.response();
        assertEquals(status, r.status(), exchange.method() + " " + exchange.pathAndQuery() + ": " + r.body());
        List<String> violations = contract.violations(exchange);
        assertEquals(List.of(), violations, exchange.method() + " " + exchange.pathAndQuery() + " -> " + r.status()
                + " " + abbreviate(r.body()));
        return r;
    }

    private Api as(String key) {
        return new Api(server.getURI(), key);
    }

    private JsonNode createKey(String name, String scope) {
        Api.Response r = api().post("/admin/api-keys", "{\"name\":\"" + name + "\",\"scopes\":[\"" + scope + "\"]}");
        assertEquals(201, r.status(), r.body());
        return r.json();
    }

    private static String tooLarge() {
        String head = "{\"traits\":{\"pad\":\"";
        String tail = "\"}}";
        return head + "x".repeat(OVER_ONE_MIB - head.length() - tail.length()) + tail;
    }

    private static SimpleResponse jsonResponse(int status, String contentType, JsonNode body) {
        return SimpleResponse.Builder.status(status).withContentType(contentType).withBody(body.toString()).build();
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
