package io.profilehub.auth;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key cache of {@link ApiKeys}: an answer (a caller, or a refusal) is kept for {@code profilehub.auth.key-cache-ttl}
 * by hash, so a change another instance makes is seen here only after that time; a revocation made here is seen at
 * once. The other instance is played by statements on the table itself, which this instance cannot notice.
 */
@MicronautTest(transactional = false)
class ApiKeyCacheTest extends ServiceTest {
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final String PROFILE = "/identify/usr_AAAAAAAAAAAAAAAA";

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.auth.key-cache-ttl", TTL.toSeconds() + "s");
    }

    @Test
    void aKeyRevokedByAnotherInstanceWorksHereUntilItsCachedAnswerExpires() {
        Api.Response issued = api().post("/admin/api-keys", "{\"name\":\"elsewhere\",\"scopes\":[\"profiles:read\"]}");
        assertEquals(201, issued.status(), issued.body());
        Api reader = api().withKey(issued.json().get("key").asText());
        long looked = System.nanoTime();
        assertEquals(404, reader.get(PROFILE).status(), "the key works, and its answer is cached");

        assertEquals(1, Rows.count("with revoked as (update profilehub.api_keys set revoked_at = now() "
                + "where workspace_id = ? and id = ? returning 1) select count(*) from revoked",
                workspace, issued.json().get("id").asText()));
        assertEquals(404, reader.get(PROFILE).status(), "revoked in the database, still cached here");
        assertTrue(System.nanoTime() - looked < TTL.toNanos(), "the requests took longer than the cache keeps answers");

        long refusedAfter = firstAnswer(reader, 401, looked);
        assertTrue(refusedAfter >= TTL.toNanos(), "refused after " + refusedAfter / 1_000_000 + " ms, within "
                + TTL + " of the cached answer");
    }

    @Test
    void aRefusalIsCachedTooSoAKeyAddedElsewhereWorksHereOnlyAfterTheTtl() {
        String secret = "phk_" + UUID.randomUUID().toString().replace("-", "") + "elsewhere";
        Api newcomer = api().withKey(secret);
        long looked = System.nanoTime();
        assertEquals(401, newcomer.get(PROFILE).status(), "unknown so far, and the refusal is cached");

        assertEquals(1, Rows.count("with added as (insert into profilehub.api_keys (workspace_id, id, name, key_hash, "
                + "scopes) values (?, ?, 'elsewhere', sha256(?::bytea), '{profiles:read}') returning 1) "
                + "select count(*) from added", workspace,
                "key_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16), secret));
        assertEquals(401, newcomer.get(PROFILE).status(), "added in the database, the refusal still cached here");
        assertTrue(System.nanoTime() - looked < TTL.toNanos(), "the requests took longer than the cache keeps answers");

        long acceptedAfter = firstAnswer(newcomer, 404, looked);
        assertTrue(acceptedAfter >= TTL.toNanos(), "accepted after " + acceptedAfter / 1_000_000 + " ms");
    }

    @Test
    void aRevocationMadeHereIsSeenAtOnceThoughTheAnswerWasCached() {
        Api.Response issued = api().post("/admin/api-keys", "{\"name\":\"short-lived\",\"scopes\":[\"profiles:read\"]}");
        assertEquals(201, issued.status(), issued.body());
        Api reader = api().withKey(issued.json().get("key").asText());
        assertEquals(404, reader.get(PROFILE).status());
        assertEquals(404, reader.get(PROFILE).status(), "served from the cache");
        assertEquals(403, reader.post("/identify", "{\"identifiers\":{\"a\":1}}").status(), "scopes come along");

        assertEquals(204, api().delete("/admin/api-keys/" + issued.json().get("id").asText()).status());
        assertEquals(401, reader.get(PROFILE).status());
        assertEquals(401, api().withKey("phk_never_issued").get(PROFILE).status());
    }

    /** Nanoseconds from {@code since} until a response with this status came back (at most the TTL and 10 s). */
    private static long firstAnswer(Api api, int status, long since) {
        long deadline = since + TTL.toNanos() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            int answer = api.get(PROFILE).status();
            long now = System.nanoTime();
            if (answer == status) {
                return now - since;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no " + status + " within " + TTL.plusSeconds(10));
    }
}
