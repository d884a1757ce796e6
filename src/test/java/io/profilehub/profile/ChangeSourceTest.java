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

/** Every profile write records in change_log the API key (id and name) and the X-ProfileHub-Source label. */
@MicronautTest(transactional = false)
class ChangeSourceTest extends ServiceTest {

    private String issue(String name) {
        Api.Response issued = api().post("/admin/api-keys", Map.of("name", name,
                "scopes", List.of("profiles:read", "profiles:write")));
        assertEquals(201, issued.status(), issued.body());
        return issued.json().get("key").asText();
    }

    private static String keyId(String name, String workspace) {
        return Rows.strings("select id from profilehub.api_keys where workspace_id = ? and name = ?", workspace, name).get(0);
    }

    /** cause | key id | key name | label of the profile's change of this version. */
    private String change(String id, long version) {
        return Rows.strings("""
                select concat_ws('|', cause, coalesce(source_key_id, '-'), coalesce(source_key_name, '-'),
                                 coalesce(source_label, '-'))
                  from profilehub.change_log where workspace_id = ? and profile_id = ? and version = ?
                """, workspace, id, version).get(0);
    }

    private Api.Response post(Api api, String path, String body, String label) {
        return api.send("POST", path, body, label == null ? Map.of("Content-Type", "application/json")
                : Map.of("Content-Type", "application/json", ChangeSources.HEADER, label));
    }

    @Test
    void createUpdateTrackAndBatchCarryKeyAndLabel() {
        Api crm = api().withKey(issue("crm importer"));
        String crmId = keyId("crm importer", workspace);

        Api.Response created = post(crm, "/identify", "{\"identifiers\":{\"email\":\"src-1@example.com\"}}", "  signup-form ");
        assertEquals(201, created.status(), created.body());
        String id = created.json().get("id").asText();
        assertEquals("create|" + crmId + "|crm importer|signup-form", change(id, 1));

        Api.Response updated = post(api(), "/identify/" + id, "{\"traits\":{\"plan\":\"pro\"}}", "billing sync");
        assertEquals(200, updated.status(), updated.body());
        assertEquals("update|" + keyId("bootstrap", workspace) + "|bootstrap|billing sync", change(id, 2));

        Api.Response merged = post(crm, "/identify", "{\"identifiers\":{\"email\":\"src-1@example.com\"},\"traits\":{\"a\":1}}", null);
        assertEquals(200, merged.status(), merged.body());
        assertEquals("update|" + crmId + "|crm importer|-", change(id, 3), "no header, no label");

        Api.Response tracked = post(crm, "/track/" + id, "{\"traits\":{\"a\":2}}", "   ");
        assertEquals(200, tracked.status(), tracked.body());
        assertEquals("update|" + crmId + "|crm importer|-", change(id, 4), "a blank label is no label");

        Api.Response batch = post(crm, "/identify/batch", "[{\"identifiers\":{\"email\":\"src-2@example.com\"}},"
                + "{\"id\":\"" + id + "\",\"traits\":{\"a\":3}}]", "nightly import");
        assertEquals(200, batch.status(), batch.body());
        JsonNode results = batch.json().get("results");
        String second = results.get(0).get("id").asText();
        assertEquals("create|" + crmId + "|crm importer|nightly import", change(second, 1));
        assertEquals("update|" + crmId + "|crm importer|nightly import", change(id, 5));
    }

    @Test
    void badLabelIsRefusedAndNothingIsWritten() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"src-bad@example.com\"}}").json().get("id").asText();
        String before = Rows.footprint(workspace);
        String tooLong = "x".repeat(ChangeSources.MAX_LABEL_LENGTH + 1);
        assertProblem(post(api(), "/identify", "{\"identifiers\":{\"email\":\"src-new@example.com\"}}", tooLong),
                400, "X-ProfileHub-Source", "101 characters", "at most 100");
        assertProblem(post(api(), "/identify/" + id, "{\"traits\":{\"a\":1}}", "bad\tlabel"),
                400, "X-ProfileHub-Source", "U+0009");
        assertProblem(post(api(), "/track/" + id, "{\"traits\":{\"a\":1}}", "a\tb"),
                400, "X-ProfileHub-Source", "U+0009");
        assertProblem(post(api(), "/identify/batch", "[{\"identifiers\":{\"email\":\"src-b@example.com\"}}]", tooLong),
                400, "X-ProfileHub-Source");
        assertEquals(before, Rows.footprint(workspace));
        // exactly the limit is fine
        assertEquals(200, post(api(), "/identify/" + id, "{\"traits\":{\"a\":1}}",
                "y".repeat(ChangeSources.MAX_LABEL_LENGTH)).status());
    }

    @Test
    void labelRules() {
        assertEquals(null, ChangeSources.label(null));
        assertEquals(null, ChangeSources.label(" \t "));
        assertEquals("café import", ChangeSources.label(" café import "));
        assertEquals("é".repeat(100), ChangeSources.label("é".repeat(100)), "counted in characters, not bytes");
        assertProblemThrown("a\u200Bb", "U+200B");
        assertProblemThrown("a\u0000b", "U+0000");
        assertProblemThrown("a\u007Fb", "U+007F");
        assertProblemThrown("a\u0085b", "U+0085");
    }

    private static void assertProblemThrown(String label, String hint) {
        try {
            ChangeSources.label(label);
        } catch (io.profilehub.http.ProblemException e) {
            assertEquals(400, e.status().getCode());
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(hint), e.getMessage());
            return;
        }
        org.junit.jupiter.api.Assertions.fail("accepted " + label);
    }
}
