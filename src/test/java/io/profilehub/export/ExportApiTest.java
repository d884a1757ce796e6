package io.profilehub.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /identify/{id}/export: one person's profile, history, merges and deliveries, and nothing of anyone else's.
 * A webhook destination serving this workspace takes every upsert but those with a 'refuse' trait (422, dead).
 */
@MicronautTest(transactional = false)
class ExportApiTest extends ServiceTest {
    private final String otherWorkspace = "ws_exp_other_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_exp_other_" + UUID.randomUUID().toString().replace("-", "");
    private final WireMockServer hook = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        if (!hook.isRunning()) {
            hook.start();
        }
        hook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        hook.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.traits.refuse")).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"vendor-answer-text\"}")));
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.bootstrap.keys[0].workspace", otherWorkspace);
        p.put("profilehub.bootstrap.keys[0].key", otherKey);
        p.put("profilehub.destinations.hook.type", "webhook");
        p.put("profilehub.destinations.hook.url", hook.baseUrl() + "/hook");
        p.put("profilehub.destinations.hook.token", "export-secret");
        p.put("profilehub.destinations.hook.workspaces", workspace + "," + otherWorkspace);
        // serves the other workspace only: its cursors pass this workspace's changes too, which it never sent
        p.put("profilehub.destinations.elsewhere.type", "webhook");
        p.put("profilehub.destinations.elsewhere.url", hook.baseUrl() + "/hook");
        p.put("profilehub.destinations.elsewhere.token", "export-secret");
        p.put("profilehub.destinations.elsewhere.workspaces", otherWorkspace);
        return p;
    }

    @AfterAll
    void stopHook() {
        hook.stop();
    }

    private static String create(Api api, String body) {
        Api.Response r = api.post("/identify", body);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    @Test
    void theExportHoldsExactlyOnePersonsData() throws Exception {
        String a = "alice" + UUID.randomUUID().toString().substring(0, 8);
        String b = "bob" + UUID.randomUUID().toString().substring(0, 8);
        String c = "carol" + UUID.randomUUID().toString().substring(0, 8);
        String alice = create(api(), "{\"identifiers\":{\"email\":\"" + a + "@example.com\",\"name\":{\"first\":\"" + a
                + "-first\"}},\"traits\":{\"plan\":\"" + a + "-free\",\"city\":\"" + a + "-city\"}}");
        String bob = create(api(), "{\"identifiers\":{\"email\":\"" + b + "@example.com\",\"name\":{\"first\":\"" + b
                + "-first\"}},\"traits\":{\"plan\":\"" + b + "-free\",\"city\":\"" + b + "-city\"}}");
        String carol = create(api().withKey(otherKey), "{\"identifiers\":{\"email\":\"" + c
                + "@example.com\"},\"traits\":{\"plan\":\"" + c + "-free\"}}");
        // delivered alone before the refused change, which may otherwise take it into its dead letter
        Awaits.until(Duration.ofSeconds(20), () -> export(alice).get("destinations").path(0).path("changes").path(0)
                .path("status").asText().equals("delivered"));
        assertEquals(200, api().post("/identify/" + alice, "{\"traits\":{\"plan\":\"" + a + "-pro\"}}").status());
        assertEquals(200, api().post("/identify/" + bob, "{\"traits\":{\"plan\":\"" + b + "-pro\"}}").status());
        assertEquals(200, api().post("/identify/" + alice, "{\"traits\":{\"refuse\":\"" + a + "-refused\"}}").status());
        // merges (written by the merge feature; here by SQL): one alice took part in, one of bob's
        String absorbed = "usr_" + "A".repeat(16);
        mergeRow("mrg_alice", alice, absorbed, "{\"traits\":{\"plan\":\"" + a + "-kept-state\"}}");
        mergeRow("mrg_bob", bob, "usr_" + "B".repeat(16), "{\"traits\":{\"plan\":\"" + b + "-kept-state\"}}");

        Awaits.until(Duration.ofSeconds(20), () -> {
            JsonNode d = export(alice).get("destinations");
            return d.size() == 1 && d.get(0).get("changes").size() == 3
                    && d.get(0).get("changes").get(2).get("status").asText().equals("dead");
        });
        JsonNode doc = export(alice);
        String text = doc.toString();

        assertEquals(alice, doc.get("userId").asText());
        assertEquals(workspace, doc.get("workspaceId").asText());
        assertEquals(a + "-pro", doc.get("profile").get("traits").get("plan").asText());
        assertEquals(3, doc.get("profile").get("version").asLong());
        JsonNode entries = doc.get("history").get("entries");
        assertEquals("P90D", doc.get("history").get("retention").asText());
        // Oldest first, as the export is written while the changes are replayed.
        assertEquals(4 + 2, entries.size(), "4 fields created, plan changed, refuse added");
        assertEquals("traits.refuse", entries.get(5).get("field").asText());
        assertEquals("traits.plan", entries.get(4).get("field").asText());
        assertEquals(a + "-free", entries.get(4).get("old").asText());
        assertEquals(1, entries.get(0).get("version").asLong());
        JsonNode merges = doc.get("merges");
        assertEquals(1, merges.size());
        assertEquals("mrg_alice", merges.get(0).get("id").asText());
        assertEquals("survivor", merges.get(0).get("role").asText());
        assertEquals(absorbed, merges.get(0).get("absorbedId").asText());
        assertEquals(1, doc.get("destinations").size(), "only the destination serving this workspace: " + doc);
        JsonNode hookRow = doc.get("destinations").get(0);
        assertEquals("hook", hookRow.get("name").asText());
        assertEquals("delivered", hookRow.get("changes").get(0).get("status").asText());
        assertEquals(1, hookRow.get("changes").get(0).get("version").asLong());
        assertEquals(1, hookRow.get("changes").get(0).get("attempts").asInt());
        assertEquals("upsert", hookRow.get("changes").get(0).get("kind").asText());
        assertTrue(hookRow.get("changes").get(0).get("queuedAt").isTextual());
        assertEquals("dead", hookRow.get("changes").get(2).get("status").asText());
        assertTrue(hookRow.get("failedAttempts").isArray(), "a refusal is dead at once, without retries");
        assertEquals(3, hookRow.get("changes").get(2).get("version").asLong());
        assertTrue(hookRow.get("changes").get(2).get("deadAt").isTextual());

        assertFalse(text.contains("vendor-answer-text"), "no vendor's answer");
        assertFalse(text.contains("kept-state"), "no kept pre-merge state");
        for (String other : List.of(b, c, bob, carol, "mrg_bob", "B".repeat(16))) {
            assertFalse(text.contains(other), "the export of " + alice + " contains " + other + ": " + text);
        }
        for (String own : List.of(a + "@example.com", a + "-first", a + "-city", a + "-refused")) {
            assertTrue(text.contains(own), own);
        }
    }

    @Test
    void needsTheExportScopeWhichAnAdminKeyCanGrant() {
        String id = create(api(), "{\"identifiers\":{\"email\":\"s-" + UUID.randomUUID() + "@example.com\"}}");
        Api.Response reader = api().post("/admin/api-keys", Map.of("name", "reader", "scopes",
                List.of("profiles:read", "profiles:write", "profiles:delete", "admin")));
        assertEquals(201, reader.status(), reader.body());
        Api.Response denied = api().withKey(reader.json().get("key").asText()).get("/identify/" + id + "/export");
        assertEquals(403, denied.status(), denied.body());
        assertTrue(denied.json().get("detail").asText().contains("profiles:export"), denied.body());

        Api.Response exporter = api().post("/admin/api-keys", Map.of("name", "dpo", "scopes", List.of("profiles:export")));
        assertEquals(201, exporter.status(), exporter.body());
        assertEquals(List.of("profiles:export"), List.of(exporter.json().get("scopes").get(0).asText()));
        Api.Response exported = api().withKey(exporter.json().get("key").asText()).get("/identify/" + id + "/export");
        assertEquals(200, exported.status(), exported.body());
        assertEquals(id, exported.json().get("profile").get("id").asText());

        // the admin-and-more key above lacks it, so it cannot grant it either
        Api.Response escalation = api().withKey(reader.json().get("key").asText()).post("/admin/api-keys",
                Map.of("name", "x", "scopes", List.of("profiles:export")));
        assertEquals(403, escalation.status(), escalation.body());
    }

    @Test
    void unknownAndOtherWorkspacesProfilesAre404() {
        String id = create(api(), "{\"identifiers\":{\"email\":\"n-" + UUID.randomUUID() + "@example.com\"}}");
        assertEquals(404, api().get("/identify/usr_0000000000000000/export").status());
        assertEquals(404, api().withKey(otherKey).get("/identify/" + id + "/export").status());
        assertEquals(400, api().get("/identify/bad/export").status());
    }

    private JsonNode export(String id) {
        Api.Response r = api().get("/identify/" + id + "/export");
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private void mergeRow(String id, String survivor, String absorbedId, String before) throws Exception {
        try (Connection c = TestDatabase.connect();
             PreparedStatement ps = c.prepareStatement("insert into profilehub.merges (workspace_id, id, survivor_id, "
                     + "absorbed_id, prefer, survivor_version, before_survivor, before_absorbed, expires_at) "
                     + "values (?, ?, ?, ?, 'survivor', 1, ?::jsonb, ?::jsonb, now() + interval '30 days')")) {
            ps.setString(1, workspace);
            ps.setString(2, id);
            ps.setString(3, survivor);
            ps.setString(4, absorbedId);
            ps.setString(5, before);
            ps.setString(6, before);
            ps.execute();
        }
    }
}
