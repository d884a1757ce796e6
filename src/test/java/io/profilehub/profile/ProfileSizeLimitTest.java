package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** profilehub.limits.max-profile-bytes: no write makes a profile larger, and a refused one writes nothing. */
@MicronautTest(transactional = false)
class ProfileSizeLimitTest extends ServiceTest {
    private static final int LIMIT = 4096;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of(
                "profilehub.limits.max-profile-bytes", String.valueOf(LIMIT),
                "profilehub.outbox.enabled", "false",
                "profilehub.destinations.hook.type", "webhook",
                "profilehub.destinations.hook.url", "http://127.0.0.1:9/hook",
                "profilehub.destinations.hook.token", "t");
    }

    private static String text(int n) {
        return "x".repeat(n);
    }

    @Test
    void aCreateBeyondTheLimitIsRefusedAndWritesNothing() {
        Api.Response r = api().post("/identify", "{\"identifiers\":{\"email\":\"big-create@example.com\"},"
                + "\"traits\":{\"blob\":\"" + text(LIMIT) + "\"}}");
        assertProblem(r, 422, "4096", "limit", "Nothing was changed");
        assertEquals(LIMIT, r.json().get("maxProfileBytes").asInt());
        assertEquals(0, api().get("/identify?email=big-create@example.com").json().get("data").size());
        assertEquals(0, Rows.count("select count(*) from profilehub.identity_keys where key_value = 'big-create@example.com'"));
    }

    @Test
    void updatesAndTracksThatWouldGrowAProfileBeyondTheLimitAreRefused() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"grow@example.com\"},"
                + "\"traits\":{\"a\":\"" + text(LIMIT / 2) + "\"}}").json().get("id").asText();
        long events = events(id);

        assertProblem(api().post("/track/" + id, "{\"traits\":{\"b\":\"" + text(LIMIT / 2) + "\"}}"), 422,
                "bytes", String.valueOf(LIMIT));
        assertProblem(api().post("/identify/" + id, "{\"identifiers\":{\"email\":\"grown@example.com\"},"
                + "\"traits\":{\"b\":\"" + text(LIMIT / 2) + "\"}}"), 422, String.valueOf(LIMIT));
        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":\"grow@example.com\"},"
                + "\"traits\":{\"b\":\"" + text(LIMIT / 2) + "\"}}"), 422, String.valueOf(LIMIT));

        JsonNode p = api().get("/identify/" + id).json();
        assertEquals(1, p.get("version").asInt(), "nothing was written");
        assertEquals(events, events(id));
        assertEquals(id, api().get("/identify?email=grow@example.com").json().get("data").get(0).get("id").asText(),
                "the refused update did not move the unique email");
        assertEquals(0, api().get("/identify?email=grown@example.com").json().get("data").size());

        // Below the limit everything still works, and a change that shrinks the profile is always accepted.
        assertEquals(200, api().post("/track/" + id, "{\"traits\":{\"b\":\"small\"}}").status());
        assertEquals(200, api().post("/track/" + id, "{\"traits\":{\"a\":null}}").status());
    }

    @Test
    void batchItemsBeyondTheLimitFailAloneWithTheirOwnAnswer() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"batch-grow@example.com\"}}").json().get("id").asText();
        String half = text(LIMIT / 2);
        Api.Response r = api().post("/identify/batch", "["
                + "{\"id\":\"" + id + "\",\"traits\":{\"a\":\"" + half + "\"}},"           // fits
                + "{\"id\":\"" + id + "\",\"traits\":{\"b\":\"" + half + "\"}},"           // would exceed: 422
                + "{\"id\":\"" + id + "\",\"traits\":{\"c\":1}},"                          // fits after a
                + "{\"identifiers\":{\"email\":\"batch-big@example.com\"},\"traits\":{\"x\":\"" + text(LIMIT) + "\"}},"
                + "{\"identifiers\":{\"email\":\"batch-small@example.com\"}}"
                + "]");
        assertEquals(200, r.status(), r.body());
        JsonNode results = r.json().get("results");
        assertEquals(List.of(200, 422, 200, 422, 201), List.of(results.get(0).get("status").asInt(),
                results.get(1).get("status").asInt(), results.get(2).get("status").asInt(),
                results.get(3).get("status").asInt(), results.get(4).get("status").asInt()));
        assertEquals(String.valueOf(LIMIT), results.get(1).get("error").get("maxProfileBytes").asText());
        JsonNode traits = api().get("/identify/" + id).json().get("traits");
        assertEquals(Api.json("{\"a\":\"" + half + "\",\"c\":1}"), traits);
        assertEquals(0, api().get("/identify?email=batch-big@example.com").json().get("data").size());
    }

    private static long events(String id) {
        return Rows.count("select count(*) from profilehub.change_log where profile_id = ?", id);
    }
}
