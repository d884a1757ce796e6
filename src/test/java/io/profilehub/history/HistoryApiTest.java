package io.profilehub.history;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /identify/{id}/history: field changes from the change log, newest first, paged, per workspace. */
@MicronautTest(transactional = false)
class HistoryApiTest extends ServiceTest {
    private final String otherWorkspace = "ws_hist_other_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_hist_other_" + UUID.randomUUID().toString().replace("-", "");

    @Override
    protected Map<String, String> extraProperties() {
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.bootstrap.keys[0].workspace", otherWorkspace);
        p.put("profilehub.bootstrap.keys[0].key", otherKey);
        return p;
    }

    private String create(String body) {
        Api.Response r = api().post("/identify", body);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    private void update(String id, String body) {
        Api.Response r = api().post("/identify/" + id, body);
        assertEquals(200, r.status(), r.body());
    }

    private JsonNode history(String id, String query) {
        Api.Response r = api().get("/identify/" + id + "/history" + query);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static List<String> fields(JsonNode page) {
        List<String> fields = new ArrayList<>();
        page.get("data").forEach(e -> fields.add(e.get("field").asText() + "@" + e.get("version").asLong()));
        return fields;
    }

    @Test
    void listsEachFieldChangeNewestFirstWithOldAndNewValues() {
        String email = "hist-" + UUID.randomUUID() + "@example.com";
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\",\"name\":{\"first\":\"Ada\",\"last\":\"Byron\"}},"
                + "\"traits\":{\"plan\":\"free\",\"seats\":1}}");
        update(id, "{\"traits\":{\"plan\":\"pro\"}}");
        update(id, "{\"identifiers\":{\"name\":{\"last\":\"Lovelace\"}},\"traits\":{\"seats\":null}}");

        JsonNode page = history(id, "");
        assertEquals(List.of("identifiers.name.last@3", "traits.seats@3", "traits.plan@2",
                "identifiers.email@1", "identifiers.name.first@1", "identifiers.name.last@1", "traits.plan@1",
                "traits.seats@1"), fields(page));
        JsonNode last = page.get("data").get(0);
        assertEquals("Byron", last.get("old").asText());
        assertEquals("Lovelace", last.get("new").asText());
        assertTrue(last.get("oldKnown").asBoolean());
        assertEquals("update", last.get("cause").asText());
        assertTrue(last.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
        JsonNode removed = page.get("data").get(1);
        assertEquals(1, removed.get("old").asInt());
        assertTrue(removed.get("new").isNull(), "a removed trait's new value is null");
        JsonNode plan = page.get("data").get(2);
        assertEquals("free", plan.get("old").asText());
        assertEquals("pro", plan.get("new").asText());
        JsonNode created = page.get("data").get(6);
        assertEquals("create", created.get("cause").asText());
        assertTrue(created.get("old").isNull());
        assertTrue(created.get("oldKnown").asBoolean(), "before a create the field had no value, and that is known");
        assertTrue(created.has("source") && created.get("source").has("keyId") && created.get("source").has("label"));
        assertEquals(50, page.get("meta").get("limit").asInt());
        assertFalse(page.has("nextPageToken"));
    }

    @Test
    void eachEntryNamesTheKeyAndLabelThatMadeItButNeverTheSecret() {
        Api.Response issued = api().post("/admin/api-keys", Map.of("name", "crm-writer",
                "scopes", List.of("profiles:read", "profiles:write")));
        assertEquals(201, issued.status(), issued.body());
        String secret = issued.json().get("key").asText();
        Api crm = api().withKey(secret);
        String id = create("{\"identifiers\":{\"email\":\"s-" + UUID.randomUUID() + "@example.com\"},\"traits\":{\"plan\":\"free\"}}");
        Api.Response r = crm.send("POST", "/identify/" + id, "{\"traits\":{\"plan\":\"pro\"}}",
                Map.of("X-ProfileHub-Source", "crm-import", "Content-Type", "application/json"));
        assertEquals(200, r.status(), r.body());

        Api.Response answer = crm.get("/identify/" + id + "/history?field=traits.plan");
        assertEquals(200, answer.status(), answer.body());
        JsonNode source = answer.json().get("data").get(0).get("source");
        assertEquals(issued.json().get("id").asText(), source.get("keyId").asText());
        assertEquals("crm-writer", source.get("keyName").asText());
        assertEquals("crm-import", source.get("label").asText());
        JsonNode created = answer.json().get("data").get(1).get("source");
        assertEquals("bootstrap", created.get("keyName").asText(), "the create was made with the bootstrap key");
        assertTrue(created.get("label").isNull(), "no header, no label");
        assertFalse(answer.body().contains(secret), "the key's secret is never shown");
        assertFalse(answer.body().contains(adminKey), "the key's secret is never shown");
    }

    @Test
    void fieldSelectsAPathItsSubPathsAndWholeValuesReplacingIt() {
        String id = create("{\"identifiers\":{\"email\":\"f-" + UUID.randomUUID() + "@example.com\",\"name\":{\"last\":\"A\"}},"
                + "\"traits\":{\"plan\":\"free\",\"address\":\"unknown\"}}");
        update(id, "{\"traits\":{\"plan\":\"pro\",\"address\":{\"city\":\"Oslo\"}}}");
        update(id, "{\"identifiers\":{\"name\":{\"last\":\"B\"}},\"traits\":{\"address\":{\"city\":\"Bergen\"}}}");

        assertEquals(List.of("traits.plan@2", "traits.plan@1"), fields(history(id, "?field=traits.plan")));
        assertEquals(List.of("identifiers.name.last@3", "identifiers.name.last@1"),
                fields(history(id, "?field=identifiers.name")));
        // version 2 replaced the string "unknown" by an object: that change concerns traits.address.city too
        JsonNode city = history(id, "?field=traits.address.city");
        assertEquals(List.of("traits.address.city@3", "traits.address@2", "traits.address@1"), fields(city));
        assertEquals("unknown", city.get("data").get(1).get("old").asText());
        assertEquals("Oslo", city.get("data").get(1).get("new").get("city").asText());
        assertEquals("Oslo", city.get("data").get(0).get("old").asText());
        assertEquals(List.of(), fields(history(id, "?field=traits.nothing")));
    }

    @Test
    void traitsOnceAppearsLikeAnyChangeAndOnlyWhereItSetSomething() {
        String id = create("{\"identifiers\":{\"email\":\"once-" + UUID.randomUUID() + "@example.com\"},"
                + "\"traits\":{\"plan\":\"free\"}}");
        update(id, "{\"traits\":{\"plan\":\"pro\"},\"traitsOnce\":{\"signupSource\":\"ad-1\"}}");
        update(id, "{\"traits\":{\"plan\":\"team\"},\"traitsOnce\":{\"signupSource\":\"ad-2\"}}");
        JsonNode page = history(id, "?field=traits.signupSource");
        assertEquals(List.of("traits.signupSource@2"), fields(page));
        assertTrue(page.get("data").get(0).get("old").isNull());
        assertEquals("ad-1", page.get("data").get(0).get("new").asText());
    }

    @Test
    void pagesWithAnOpaqueTokenTiedToItsFilters() {
        String id = create("{\"identifiers\":{\"email\":\"p-" + UUID.randomUUID() + "@example.com\"},\"traits\":{\"n\":0}}");
        for (int i = 1; i <= 6; i++) {
            update(id, "{\"traits\":{\"n\":" + i + ",\"m\":" + i + "}}");
        }
        List<String> all = fields(history(id, "?limit=100"));
        assertEquals(14, all.size(), all.toString());
        List<String> paged = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonNode page = history(id, "?limit=3" + (token == null ? "" : "&pageToken=" + token));
            paged.addAll(fields(page));
            assertTrue(page.get("data").size() <= 3);
            token = page.has("nextPageToken") ? page.get("nextPageToken").asText() : null;
            if (token != null) {
                assertEquals("/identify/" + id + "/history?limit=3&pageToken=" + token,
                        page.get("meta").get("nextPageUrl").asText());
            }
            pages++;
        } while (token != null);
        assertEquals(all, paged);
        assertEquals(5, pages);

        String first = history(id, "?limit=2").get("nextPageToken").asText();
        assertProblem(api().get("/identify/" + id + "/history?limit=2&field=traits.n&pageToken=" + first), 400,
                "pageToken");
        assertProblem(api().get("/identify/" + id + "/history?pageToken=bm9wZQ"), 400, "pageToken");
    }

    @Test
    void sinceAndUntilBoundTheTimeAndBadValuesAre400() throws Exception {
        String id = create("{\"identifiers\":{\"email\":\"t-" + UUID.randomUUID() + "@example.com\"},\"traits\":{\"plan\":\"a\"}}");
        Thread.sleep(30);
        update(id, "{\"traits\":{\"plan\":\"b\"}}");
        JsonNode all = history(id, "?field=traits.plan");
        String newest = all.get("data").get(0).get("time").asText();
        String oldest = all.get("data").get(1).get("time").asText();
        assertEquals(List.of("traits.plan@2"), fields(history(id, "?field=traits.plan&since=" + newest)));
        assertEquals(List.of("traits.plan@1"), fields(history(id, "?field=traits.plan&until=" + oldest)));

        assertProblem(api().get("/identify/" + id + "/history?since=yesterday"), 400, "'since' must be an ISO-8601");
        assertProblem(api().get("/identify/" + id + "/history?until=2026-13-01T00:00:00Z"), 400, "'until'");
        assertProblem(api().get("/identify/" + id + "/history?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z"),
                400, "after 'until'");
        assertProblem(api().get("/identify/" + id + "/history?limit=0"), 400, "'limit'");
        assertProblem(api().get("/identify/" + id + "/history?limit=101"), 400, "'limit'");
        assertProblem(api().get("/identify/" + id + "/history?field=plan"), 400, "'field'");
        assertProblem(api().get("/identify/" + id + "/history?field=traits..x"), 400, "'field'");
    }

    @Test
    void unknownProfilesAndOtherWorkspacesAre404() {
        String id = create("{\"identifiers\":{\"email\":\"w-" + UUID.randomUUID() + "@example.com\"},\"traits\":{\"plan\":\"a\"}}");
        assertProblem(api().get("/identify/usr_0000000000000000/history"), 404, "No user");
        assertProblem(api().withKey(otherKey).get("/identify/" + id + "/history"), 404, "No user");
        assertProblem(api().get("/identify/nope/history"), 400, "not a user id");
    }

    @Test
    void theOldestKeptUpdateHasUnknownOldValuesUntilAWholeStateArrives() throws Exception {
        String id = create("{\"identifiers\":{\"email\":\"o-" + UUID.randomUUID() + "@example.com\"},"
                + "\"traits\":{\"plan\":\"free\",\"seats\":1}}");
        update(id, "{\"traits\":{\"plan\":\"pro\"}}");
        update(id, "{\"traits\":{\"plan\":\"team\",\"seats\":5}}");
        // the create's day was dropped
        sql("delete from change_log where workspace_id = ? and profile_id = ? and version = 1", workspace, id);
        JsonNode data = history(id, "").get("data");
        assertEquals(List.of("traits.plan@3", "traits.seats@3", "traits.plan@2"), fields(history(id, "")));
        assertTrue(data.get(0).get("oldKnown").asBoolean(), "version 2 set plan: its value is known");
        assertEquals("pro", data.get(0).get("old").asText());
        assertFalse(data.get(1).get("oldKnown").asBoolean(), "nothing kept says what seats was");
        assertTrue(data.get(1).get("old").isNull());
        assertFalse(data.get(2).get("oldKnown").asBoolean());
        assertEquals("pro", data.get(2).get("new").asText());
    }

    @Test
    void targetedCopiesAreSkippedAndOtherCausesShowAsWhatTheyAre() throws Exception {
        String id = create("{\"identifiers\":{\"email\":\"c-" + UUID.randomUUID() + "@example.com\"},\"traits\":{\"plan\":\"free\"}}");
        update(id, "{\"traits\":{\"plan\":\"pro\"}}");
        // a backfill to one destination repeats version 2 as a whole state: no change of its own
        appendRow(id, 2, "{\"type\":\"profile.upsert\",\"version\":2,\"full\":true,\"created\":false,"
                + "\"identifiers\":{},\"traits\":{\"plan\":\"pro\"}}", "hook", "backfill", null);
        // a merge writes version 3 as the whole merged state
        appendRow(id, 3, "{\"type\":\"profile.upsert\",\"version\":3,\"full\":true,\"created\":false,"
                + "\"identifiers\":{},\"traits\":{\"plan\":\"pro\",\"company\":\"Acme\"}}", null, "merge", "merge-label");
        JsonNode data = history(id, "").get("data");
        List<String> f = fields(history(id, ""));
        assertEquals(List.of("identifiers.email@3", "traits.company@3", "traits.plan@2", "identifiers.email@1",
                "traits.plan@1"), f, "the merged state has no email any more; the backfill copy adds nothing");
        JsonNode company = data.get(1);
        assertEquals("merge", company.get("cause").asText());
        assertEquals("merge-label", company.get("source").get("label").asText());
        assertTrue(company.get("old").isNull());
        assertEquals("Acme", company.get("new").asText());
        assertEquals("update", data.get(2).get("cause").asText());
    }

    @Test
    void erasureLeavesNoHistoryAndNothingOfThePersonInTheChangeLog() throws Exception {
        String secret = "erase-" + UUID.randomUUID();
        String id = create("{\"identifiers\":{\"email\":\"" + secret + "@example.com\"},\"traits\":{\"plan\":\"" + secret + "\"}}");
        Api.Response labelled = api().send("POST", "/identify/" + id, "{\"traits\":{\"plan\":\"x-" + secret + "\"}}",
                Map.of("X-ProfileHub-Source", "label-" + secret, "Content-Type", "application/json"));
        assertEquals(200, labelled.status(), labelled.body());
        assertEquals(3, history(id, "").get("data").size());

        assertEquals(202, api().delete("/identify/" + id).status());
        assertProblem(api().get("/identify/" + id + "/history"), 404, "No user");
        try (Connection c = TestDatabase.connect();
             PreparedStatement ps = c.prepareStatement("select count(*), count(*) filter (where position(? in l::text) > 0)"
                     + " from profilehub.change_log l where workspace_id = ? and profile_id = ?")) {
            ps.setString(1, secret);
            ps.setString(2, workspace);
            ps.setString(3, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertTrue(rs.getLong(1) >= 2, "the person's changes are still in the log, scrubbed");
                assertEquals(0, rs.getLong(2), "no change-log row holds a value or label of the erased person");
            }
        }
    }

    private void appendRow(String id, long version, String change, String destination, String cause, String label)
            throws Exception {
        sql("with lane as (update change_lanes set last_seq = last_seq + 1 where lane = change_lane(?, ?) "
                        + "returning lane, last_seq) insert into change_log (lane, seq, workspace_id, profile_id, version, kind, "
                        + "change, destination, cause, source_label) select lane, last_seq, ?, ?, ?, 'upsert', ?::jsonb, ?, ?, ? from lane",
                workspace, id, workspace, id, version, change, destination, cause, label);
    }

    static void sql(String sql, Object... args) throws Exception {
        try (Connection c = TestDatabase.connect()) {
            c.setSchema("profilehub");
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                ps.execute();
            }
        }
    }

    static void assertProblem(Api.Response r, int status, String detailPart) {
        assertEquals(status, r.status(), r.body());
        assertNotNull(r.json(), r.body());
        assertTrue(r.json().path("detail").asText().contains(detailPart), r.body());
    }
}
