package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Updates of tens of thousands of keys (issue 19, item 3): the merge functions are linear (db/V27), so 24,000 keys
 * are merged in well under the statement timeout, and profilehub.limits.max-profile-leaves refuses more with a 422
 * that writes nothing: at once when the request itself carries too many, after the merge when the profile would.
 */
@MicronautTest(transactional = false)
class ProfileLeavesLimitTest extends ServiceTest {
    private static final int LIMIT = 30_000;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.limits.max-profile-leaves", String.valueOf(LIMIT),
                "profilehub.limits.max-profile-bytes", "1048576",
                "profilehub.outbox.enabled", "false");
    }

    private static String traits(String prefix, int from, int count) {
        StringBuilder b = new StringBuilder("{");
        for (int i = from; i < from + count; i++) {
            b.append(i == from ? "" : ",").append('"').append(prefix).append(i).append("\":").append(i);
        }
        return b.append('}').toString();
    }

    private String create(String email) {
        return api().post("/identify", "{\"identifiers\":{\"email\":\"" + email + "\"}}").json().get("id").asText();
    }

    @Test
    void anUpdateOf24000KeysIsMergedQuickly() {
        String id = create("wide@example.com");
        long start = System.nanoTime();
        Api.Response r = api().post("/identify/" + id, "{\"traits\":" + traits("k", 0, 24_000) + "}");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.status(), r.body());
        assertEquals(24_000, r.json().get("traits").size());
        // Quadratic SQL took 11-16 s for 12,000 keys and ran into the 30 s statement timeout at 24,000.
        assertTrue(millis < 10_000, "24,000 keys took " + millis + " ms");

        // And a second pass over every key (replace half, remove a quarter) keeps RFC 7396's meaning.
        StringBuilder patch = new StringBuilder("{");
        for (int i = 0; i < 24_000; i += 2) {
            patch.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i % 4 == 0 ? "null" : "\"s\"");
        }
        r = api().post("/identify/" + id, "{\"traits\":" + patch.append('}') + "}");
        assertEquals(200, r.status(), r.body());
        JsonNode stored = api().get("/identify/" + id).json().get("traits");
        assertEquals(18_000, stored.size());
        assertTrue(stored.get("k0") == null && "s".equals(stored.get("k2").asText()) && stored.get("k1").asInt() == 1);
    }

    @Test
    void aRequestCarryingMoreLeavesThanTheLimitIsRefusedAtOnce() {
        String id = create("too-wide@example.com");
        long start = System.nanoTime();
        Api.Response r = api().post("/identify/" + id, "{\"traits\":" + traits("k", 0, LIMIT + 1) + "}");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertProblem(r, 422, "sets " + (LIMIT + 1) + " values", "at most " + LIMIT, "max-profile-leaves",
                "Nothing was changed");
        assertEquals("https://profilehub.io/problems/profile-too-many-leaves", r.json().get("type").asText());
        assertEquals(LIMIT + 1, r.json().get("profileLeaves").asInt());
        assertEquals(LIMIT, r.json().get("maxProfileLeaves").asInt());
        assertTrue(millis < 5_000, "refusal took " + millis + " ms");
        assertEquals(1, api().get("/identify/" + id).json().get("version").asInt());

        // The same for a create, a track and a batch item (the others of the batch are applied).
        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":\"new-wide@example.com\"},\"traits\":"
                + traits("k", 0, LIMIT + 1) + "}"), 422, "at most " + LIMIT);
        assertProblem(api().post("/track/" + id, "{\"traits\":" + traits("k", 0, LIMIT + 1) + "}"), 422,
                "at most " + LIMIT);
        Api.Response batch = api().post("/identify/batch", "[{\"id\":\"" + id + "\",\"traits\":"
                + traits("k", 0, LIMIT + 1) + "},{\"id\":\"" + id + "\",\"traits\":{\"ok\":1}}]");
        assertEquals(200, batch.status(), batch.body());
        assertEquals(422, batch.json().get("results").get(0).get("status").asInt());
        assertEquals(200, batch.json().get("results").get(1).get("status").asInt());
    }

    @Test
    void anUpdateThatWouldTakeTheProfileBeyondTheLimitIsRefusedAndWritesNothing() {
        String id = create("growing@example.com");
        assertEquals(200, api().post("/identify/" + id, "{\"traits\":" + traits("a", 0, 20_000) + "}").status());
        Api.Response r = api().post("/identify/" + id, "{\"traits\":{\"nested\":" + traits("b", 0, 10_001) + "}}");
        assertProblem(r, 422, "would hold " + (20_000 + 1 + 10_001) + " values", "at most " + LIMIT);
        JsonNode stored = api().get("/identify/" + id).json();
        assertEquals(2, stored.get("version").asInt());
        assertEquals(20_000, stored.get("traits").size());
        // One that stays within the limit is applied.
        assertEquals(200, api().post("/identify/" + id, "{\"traits\":" + traits("c", 0, 9_000) + "}").status());
    }
}
