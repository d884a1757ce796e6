package io.profilehub.merge;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Suppression and erasure around merges and undo (issue 19, items 5 and 6). */
@MicronautTest(transactional = false)
class MergeErasureTest extends ServiceTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.outbox.enabled", "false");
    }

    private static String tag() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private String create(String body) {
        Api.Response r = api().post("/identify", body);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    private String merge(String survivor, String absorbed) {
        Api.Response r = api().post("/identify/" + survivor + "/merge", "{\"from\":\"" + absorbed + "\"}");
        assertEquals(200, r.status(), r.body());
        return r.json().get("merge").get("id").asText();
    }

    /**
     * The merge releases the absorbed email; someone claims it and is erased with suppress=true. Undoing would give
     * the email back to the restored profile (and to the vendors): the undo is refused, naming the suppression.
     */
    @Test
    void undoRefusesToRestoreAValueSuppressedSinceTheMerge() {
        String t = tag();
        String a = create("{\"identifiers\":{\"email\":\"keep-" + t + "@x.io\"}}");
        String b = create("{\"identifiers\":{\"email\":\"lost-" + t + "@x.io\",\"externalId\":\"ext-" + t + "\"}}");
        String mergeId = merge(a, b);
        // The merge kept a's email; b's is released and free to be claimed.
        String c = create("{\"identifiers\":{\"email\":\"lost-" + t + "@x.io\"}}");
        assertEquals(202, api().delete("/identify/" + c + "?suppress=true").status());

        Api.Response undo = api().post("/merges/" + mergeId + "/undo", "{}");
        assertProblem(undo, 409, "the email of " + b, "suppression", "Nothing was changed", "DELETE /suppressions/");
        String hash = undo.json().get("suppressions").get(0).asText();
        JsonNode survivor = api().get("/identify/" + a).json();
        assertEquals("ext-" + t, survivor.get("identifiers").get("externalId").asText(), "the merge still stands");

        // Once an admin lifts the suppression, the undo restores both.
        assertEquals(204, api().delete("/suppressions/" + hash).status());
        assertEquals(200, api().post("/merges/" + mergeId + "/undo", "{}").status());
        assertEquals("lost-" + t + "@x.io", api().get("/identify/" + b).json().get("identifiers").get("email").asText());
    }

    /** A value the absorbed profile lost in the merge belongs to the person too: suppression covers it. */
    @Test
    void erasingAMergedSurvivorWithSuppressionCoversValuesItsAbsorbedProfileLost() {
        String t = tag();
        String a = create("{\"identifiers\":{\"email\":\"main-" + t + "@x.io\"}}");
        String b = create("{\"identifiers\":{\"email\":\"old-" + t + "@x.io\"}}");
        merge(a, b);
        // And a value the survivor itself held earlier, changed since.
        assertEquals(200, api().post("/identify/" + a, "{\"identifiers\":{\"phoneNumber\":\"+1555" + t.hashCode() + "\"}}").status());
        assertEquals(200, api().post("/identify/" + a, "{\"identifiers\":{\"phoneNumber\":\"+1666" + t.hashCode() + "\"}}").status());
        assertEquals(202, api().delete("/identify/" + a + "?suppress=true").status());

        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":\"old-" + t + "@x.io\"}}"), 409, "erased");
        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":\"main-" + t + "@x.io\"}}"), 409, "erased");
        assertProblem(api().post("/identify", "{\"identifiers\":{\"phoneNumber\":\"+1555" + t.hashCode() + "\"}}"), 409,
                "erased");
    }

    /**
     * Merge, undo, then erase the absorbed person: what the merge copied of them into the survivor (its merged
     * upsert in the change log, so its history and export) goes with them; the survivor keeps its own.
     */
    @Test
    void erasingTheAbsorbedPersonAfterAnUndoRemovesWhatTheMergeCopiedIntoTheSurvivor() {
        String t = tag();
        String secret = "trait-" + t + "-secret";
        String a = create("{\"identifiers\":{\"email\":\"stay-" + t + "@x.io\"},\"traits\":{\"plan\":\"pro\"}}");
        String b = create("{\"identifiers\":{\"email\":\"gone-" + t + "@x.io\",\"externalId\":\"gone-ext-" + t + "\"},"
                + "\"traits\":{\"hobby\":\"" + secret + "\"}}");
        String mergeId = merge(a, b);
        assertEquals(200, api().post("/merges/" + mergeId + "/undo", "{}").status());
        assertTrue(api().get("/identify/" + a + "/history?limit=100").body().contains(secret), "precondition");

        assertEquals(202, api().delete("/identify/" + b).status());

        for (String value : List.of(secret, "gone-" + t + "@x.io", "gone-ext-" + t)) {
            assertEquals(List.of(), Rows.tablesContaining(value, List.of("change_log", "merges", "dead_letters")),
                    value + " remains");
            assertFalse(api().get("/identify/" + a + "/history?limit=100").body().contains(value), value);
            assertFalse(api().get("/identify/" + a + "/export").body().contains(value), value);
        }
        // The survivor's own values and history stay.
        Api.Response history = api().get("/identify/" + a + "/history?field=traits.plan");
        assertEquals(200, history.status(), history.body());
        assertTrue(history.body().contains("\"new\":\"pro\""), history.body());
        assertEquals("pro", api().get("/identify/" + a).json().get("traits").get("plan").asText());
    }
}
