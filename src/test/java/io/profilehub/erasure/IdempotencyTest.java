package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idempotency-Key: one execution per key, replayed answers, no personal data kept, and a bounded life. */
@MicronautTest(transactional = false)
class IdempotencyTest extends ServiceTest {

    @Inject
    IdempotencyStore store;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.outbox.enabled", "false",
                // The tests hold a profile's row lock to keep the first request in flight.
                "profilehub.database.lock-timeout", "60s");
    }

    /**
     * The first request is held in flight (the profile's row lock is taken by the test); both are sent at once.
     * Exactly one executes: the other answers 409 while the first is in flight, and the first answer afterwards.
     */
    @Test
    void concurrentRequestsWithOneKeyExecuteOnce() throws Exception {
        for (int trial = 0; trial < 5; trial++) {
            String id = create("pair-" + trial + "@example.com");
            Map<String, String> headers = Map.of("Idempotency-Key", "pair-" + trial + "-" + UUID.randomUUID());
            try (Connection holder = lockProfile(id)) {
                CountDownLatch start = new CountDownLatch(1);
                List<CompletableFuture<Api.Response>> sent = List.of(
                        CompletableFuture.supplyAsync(() -> send(start, id, headers)),
                        CompletableFuture.supplyAsync(() -> send(start, id, headers)));
                start.countDown();
                Api.Response refused = CompletableFuture.anyOf(sent.toArray(new CompletableFuture[0]))
                        .thenApply(Api.Response.class::cast).get(30, TimeUnit.SECONDS);
                assertProblem(refused, 409, "still being processed");
                assertNotNull(refused.header("Retry-After"));
                assertEquals(1, Rows.count("select count(*) from profilehub.profiles where id = ?", id),
                        "the first is still waiting for the lock");
                holder.rollback();
                Api.Response first = sent.get(0).get(30, TimeUnit.SECONDS) == refused
                        ? sent.get(1).get(30, TimeUnit.SECONDS) : sent.get(0).get(30, TimeUnit.SECONDS);
                assertEquals(202, first.status(), first.body());

                Api.Response replay = api().send("DELETE", "/identify/" + id, null, headers);
                assertEquals(202, replay.status());
                assertEquals(first.json(), replay.json());
                assertEquals(first.header("Location"), replay.header("Location"));
            }
        }
    }

    @Test
    void theSameKeyWithAnotherRequestIsRefused() {
        String a = create("reuse-a@example.com");
        String b = create("reuse-b@example.com");
        Map<String, String> headers = Map.of("Idempotency-Key", "reuse-" + UUID.randomUUID());
        assertEquals(202, api().send("DELETE", "/identify/" + a, null, headers).status());
        assertProblem(api().send("DELETE", "/identify/" + b, null, headers), 422, "different request");
        assertEquals(200, api().get("/identify/" + b).status(), "the refused request did nothing");
    }

    @Test
    void aFailedRequestLeavesTheKeyFree() {
        Map<String, String> headers = Map.of("Idempotency-Key", "free-" + UUID.randomUUID());
        String unknown = "usr_AAAAAAAAAAAAAAAA";
        assertEquals(404, api().send("DELETE", "/identify/" + unknown, null, headers).status());
        assertEquals(404, api().send("DELETE", "/identify/" + unknown, null, headers).status(), "not 409 in flight");
    }

    @Test
    void recordsKeepNoPersonalDataButReplayTheWholeAnswer() {
        String id = create("kept@example.com");
        String key = "pd-" + UUID.randomUUID();
        String body = "{\"userIds\":[\"someone@example.com\",\"" + id + "\"]}";
        Map<String, String> headers = Map.of("Content-Type", "application/json", "Idempotency-Key", key);
        Api.Response first = api().send("POST", "/erasures", body, headers);
        assertEquals(202, first.status(), first.body());
        assertEquals("someone@example.com", first.json().get("data").get(0).get("userId").asText());

        String row = Rows.strings("select i::text from profilehub.idempotency_keys i where workspace_id = ? and key = ?",
                workspace, key).get(0);
        assertFalse(row.contains("someone@example.com"), row);
        assertFalse(row.contains("kept@example.com"), row);
        assertFalse(row.contains("userIds"), "the request is kept only as a hash: " + row);

        Api.Response replay = api().send("POST", "/erasures", body, headers);
        assertEquals(202, replay.status());
        assertEquals(first.json(), replay.json());
    }

    @Test
    void recordsArePurgedAfterTheRetentionAndExpiredKeysAreFreeAgain() {
        String a = create("old-a@example.com");
        String b = create("old-b@example.com");
        String key = "old-" + UUID.randomUUID();
        Map<String, String> headers = Map.of("Idempotency-Key", key);
        assertEquals(202, api().send("DELETE", "/identify/" + a, null, headers).status());
        Rows.strings("update profilehub.idempotency_keys set created_at = now() - interval '25 hours' "
                + "where workspace_id = ? and key = ? returning key", workspace, key);

        // Past the 24 h retention the key no longer refers to the first request, purged or not.
        Api.Response other = api().send("DELETE", "/identify/" + b, null, headers);
        assertEquals(202, other.status(), other.body());
        assertEquals(b, other.json().get("userId").asText());

        Rows.strings("update profilehub.idempotency_keys set created_at = now() - interval '25 hours' "
                + "where workspace_id = ? and key = ? returning key", workspace, key);
        assertTrue(store.purge() >= 1);
        assertEquals(0, Rows.count("select count(*) from profilehub.idempotency_keys where workspace_id = ? and key = ?",
                workspace, key));
    }

    @Test
    void erasingAProfileScrubsTheRecordsAboutIt() {
        String id = create("scrub@example.com");
        String key = "scrub-" + UUID.randomUUID();
        // Records about live profiles come from requests of other kinds; written here through the store itself.
        assertTrue(store.claim(workspace, key, "hash") instanceof IdempotencyStore.Claimed);
        store.complete(workspace, key, 200, "{\"id\":\"" + id + "\"}", List.of(id));
        assertEquals(1, Rows.count("select count(*) from profilehub.idempotency_keys where workspace_id = ? and key = ?",
                workspace, key));

        assertEquals(202, api().delete("/identify/" + id).status());
        assertEquals(0, Rows.count("select count(*) from profilehub.idempotency_keys where workspace_id = ? and key = ?",
                workspace, key));
    }

    private Api.Response send(CountDownLatch start, String id, Map<String, String> headers) {
        try {
            start.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return api().send("DELETE", "/identify/" + id, null, headers);
    }

    private Connection lockProfile(String id) throws Exception {
        Map<String, String> db = TestDatabase.datasourceProperties();
        Connection c = DriverManager.getConnection(db.get("datasources.default.url"),
                db.get("datasources.default.username"), db.get("datasources.default.password"));
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(
                "select 1 from profilehub.profiles where workspace_id = ? and id = ? for update")) {
            ps.setString(1, workspace);
            ps.setString(2, id);
            ps.executeQuery().close();
        }
        return c;
    }

    private String create(String email) {
        Api.Response r = api().post("/identify", "{\"identifiers\":{\"email\":\"" + email + "\"}}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }
}
