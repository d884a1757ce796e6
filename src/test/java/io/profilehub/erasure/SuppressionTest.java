package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Suppression holds for every write that could give a live profile an erased value; `suppress` is a boolean. */
@MicronautTest(transactional = false)
class SuppressionTest extends ServiceTest {

    @Test
    void suppressTakesOnlyTrueOrFalseInTheQuery() {
        String id = create("{\"email\":\"q-" + System.nanoTime() + "@example.com\"}");
        for (String bad : List.of("TRUE", "True", "yes", "1", "0", "", "no", "false%20", "true&suppress=true")) {
            String before = Rows.footprint(workspace);
            assertProblem(api().delete("/identify/" + id + "?suppress=" + bad), 400, "'suppress'");
            assertEquals(before, Rows.footprint(workspace), "suppress=" + bad + " erased anyway");
        }
        assertProblem(api().delete("/identify/" + id + "?suppress"), 400, "'suppress'");
        assertEquals(200, api().get("/identify/" + id).status(), "still there");
        Api.Response erased = api().delete("/identify/" + id + "?suppress=false");
        assertEquals(202, erased.status(), erased.body());
        assertFalse(erased.json().path("suppressed").asBoolean());
    }

    @Test
    void suppressTakesOnlyABooleanInTheBody() {
        String id = create("{\"email\":\"b-" + System.nanoTime() + "@example.com\"}");
        for (String bad : List.of("\"TRUE\"", "\"yes\"", "\"true\"", "1", "0", "null", "[]", "{}")) {
            String before = Rows.footprint(workspace);
            assertProblem(api().post("/erasures", "{\"userIds\":[\"" + id + "\"],\"suppress\":" + bad + "}"), 400,
                    "'suppress'");
            assertEquals(before, Rows.footprint(workspace), "suppress " + bad + " erased anyway");
        }
        assertEquals(200, api().get("/identify/" + id).status(), "still there");
        Api.Response erased = api().post("/erasures", "{\"userIds\":[\"" + id + "\"],\"suppress\":true}");
        assertEquals(202, erased.status(), erased.body());
        assertTrue(erased.json().path("data").get(0).path("suppressed").asBoolean(), erased.body());
    }

    @Test
    void noWriteGivesALiveProfileASuppressedValue() {
        String n = String.valueOf(System.nanoTime());
        String email = "gone-" + n + "@example.com";
        String phone = "+47" + n.substring(n.length() - 8);
        String erased = create("{\"email\":\"" + email + "\",\"phoneNumber\":\"" + phone + "\"}");
        assertEquals(202, api().delete("/identify/" + erased + "?suppress=true").status());

        String live = create("{\"userId\":\"live-" + n + "\"}");
        String before = Rows.footprint(workspace);
        // Update of an existing profile.
        assertSuppressed(api().post("/identify/" + live, "{\"identifiers\":{\"email\":\"" + email + "\"}}"));
        assertSuppressed(api().post("/identify/" + live, "{\"identifiers\":{\"phoneNumber\":\"" + phone + "\"}}"));
        // Identify that resolves to the live profile and would merge the value into it.
        assertSuppressed(api().post("/identify", "{\"identifiers\":{\"userId\":\"live-" + n + "\",\"email\":\""
                + email.toUpperCase() + "\"}}"));
        // Variants normalise to the same value: fullwidth @ is suppressed too, a zero-width space is refused.
        assertSuppressed(api().post("/identify", "{\"identifiers\":{\"email\":\"" + email.replace("@", "\uFF20") + "\"}}"));
        assertSuppressed(api().post("/identify", "{\"identifiers\":{\"email\":\" " + email + "\\u3000\"}}"));
        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":\"" + email.replace("@", "\u200B@") + "\"}}"),
                400, "U+200B");
        // Creating, as before.
        assertSuppressed(api().post("/identify", "{\"identifiers\":{\"email\":\"" + email + "\"}}"));
        assertEquals(before, Rows.footprint(workspace), "a refused write changed something");
        // /track only merges traits and cannot reach identifiers at all.
        assertProblem(api().post("/track/" + live, "{\"identifiers\":{\"email\":\"" + email + "\"}}"), 400,
                "Unknown member 'identifiers'");

        // A batch: each item answers as it would alone.
        Api.Response batch = api().post("/identify/batch", "["
                + "{\"id\":\"" + live + "\",\"identifiers\":{\"email\":\"" + email + "\"}},"
                + "{\"identifiers\":{\"userId\":\"live-" + n + "\",\"phoneNumber\":\"" + phone + "\"}},"
                + "{\"identifiers\":{\"email\":\"" + email.replace("@", "\uFF20") + "\"}},"
                + "{\"identifiers\":{\"email\":\"" + email.replace("@", "\u200B@") + "\"}},"
                + "{\"id\":\"" + live + "\",\"traits\":{\"ok\":true}},"
                + "{\"identifiers\":{\"email\":\"fresh-" + n + "@example.com\"}}]");
        assertEquals(200, batch.status(), batch.body());
        JsonNode results = batch.json().path("results");
        for (int i = 0; i < 3; i++) {
            assertEquals(409, results.get(i).path("status").asInt(), i + ": " + batch.body());
            assertEquals(64, results.get(i).path("error").path("suppressions").get(0).asText().length(), batch.body());
        }
        assertEquals(400, results.get(3).path("status").asInt(), batch.body());
        assertEquals(200, results.get(4).path("status").asInt(), batch.body());
        assertEquals(201, results.get(5).path("status").asInt(), batch.body());

        JsonNode profile = api().get("/identify/" + live).json();
        assertFalse(profile.path("identifiers").has("email"), profile.toString());
        assertFalse(profile.path("identifiers").has("phoneNumber"), profile.toString());
        assertEquals(0, Rows.count("select count(*) from profilehub.identity_keys where workspace_id = ?"
                + " and key_value in (?, ?)", workspace, email, phone));
    }

    private void assertSuppressed(Api.Response r) {
        assertProblem(r, 409, "erased", "DELETE /suppressions/");
        assertEquals(64, r.json().path("suppressions").get(0).asText().length(), r.body());
    }

    private String create(String identifiers) {
        Api.Response r = api().post("/identify", "{\"identifiers\":" + identifiers + "}");
        assertEquals(201, r.status(), r.body());
        return r.json().path("id").asText();
    }
}
