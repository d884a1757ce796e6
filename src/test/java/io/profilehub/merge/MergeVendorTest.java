package io.profilehub.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.TestDatabase;
import io.profilehub.support.Awaits;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vendors after a merge, against fakes that answer as the vendors document: the survivor's merged state is upserted,
 * the absorbed user removed where the vendor can delete (Vero, a webhook) and reported as remaining where it cannot
 * (Thrivestack); an undo upserts both restored profiles. GET /merges/{id} follows each of these per destination.
 */
@MicronautTest(transactional = false)
class MergeVendorTest extends ServiceTest {
    private static final String TOKEN = "merge-vendor-token";
    private final WireMockServer fake = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        fake.start();
        Map<String, String> p = new HashMap<>();
        // A database of its own: in the run's shared one, other classes' destinations named like these keep their
        // cursors and state, and the merge's per-destination statuses read them.
        p.put("datasources.default.url", TestDatabase.createExtraDatabase("merge_vendor"));
        destination(p, "vero", "vero", "/vero");
        destination(p, "thrivestack", "thrivestack", "/thrive");
        destination(p, "hook", "webhook", "/hook");
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.max-delay", "200ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        return p;
    }

    private void destination(Map<String, String> p, String name, String type, String path) {
        p.put("profilehub.destinations." + name + ".type", type);
        p.put("profilehub.destinations." + name + ".url", fake.baseUrl() + path);
        p.put("profilehub.destinations." + name + ".token", TOKEN);
        p.put("profilehub.destinations." + name + ".workspaces", workspace);
    }

    @BeforeEach
    void stubs() {
        fake.resetAll();
        fake.stubFor(post(urlPathEqualTo("/vero/users/track")).withQueryParam("auth_token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(200).withBody("{\"status\":200,\"message\":\"Success.\"}")));
        fake.stubFor(post(urlPathEqualTo("/vero/users/delete")).withQueryParam("auth_token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(200).withBody("{\"status\":200,\"message\":\"Success.\"}")));
        fake.stubFor(post(urlEqualTo("/thrive/identify")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .willReturn(aResponse().withStatus(200).withBody("{\"success\":true}")));
        fake.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
    }

    @AfterAll
    void stop() {
        fake.stop();
    }

    @Test
    void survivorUpsertedAbsorbedRemovedWhereTheVendorCanAndUndoRestoresBoth() {
        String a = create("{\"identifiers\":{\"email\":\"vendor-a@example.com\"},\"traits\":{\"firstName\":\"Ann\",\"plan\":\"free\"}}");
        String b = create("{\"identifiers\":{\"email\":\"vendor-b@example.com\"},\"traits\":{\"plan\":\"pro\"}}");
        Awaits.until(Duration.ofSeconds(40), () -> sent("/vero/users/track", a).size() == 1
                && sent("/vero/users/track", b).size() == 1 && sent("/thrive/identify", a).size() == 1
                && sent("/thrive/identify", b).size() == 1 && hook(a).size() == 1
                && hook(b).size() == 1, this::diagnostics);

        JsonNode merge = api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}").json().get("merge");
        String mergeId = merge.get("id").asText();
        long version = merge.get("survivorVersion").asLong();
        Awaits.until(Duration.ofSeconds(40), () -> sent("/vero/users/track", b).size() == 2
                && sent("/vero/users/delete", a).size() == 1 && sent("/thrive/identify", b).size() == 2
                && hook(b).size() == 2 && hook(a).size() == 2, this::diagnostics);

        // Vero: the survivor's whole merged state, then the absorbed user deleted by its Vero id, after its own upsert.
        JsonNode veroB = body(sent("/vero/users/track", b).get(1));
        assertEquals(b, veroB.get("id").asText());
        assertEquals("vendor-b@example.com", veroB.get("email").asText());
        assertEquals("pro", veroB.get("data").get("plan").asText());
        assertEquals("Ann", veroB.get("data").get("first_name").asText());
        assertEquals(Api.json("{\"id\":\"" + a + "\"}"), body(sent("/vero/users/delete", a).get(0)));
        assertTrue(sent("/vero/users/track", a).get(0).getRequest().getLoggedDate()
                .before(sent("/vero/users/delete", a).get(0).getRequest().getLoggedDate()), "each user's changes in order");
        // Thrivestack cannot delete: the survivor is upserted, nothing is sent for the absorbed user.
        assertEquals(1, sent("/thrive/identify", a).size());
        // The webhook: events in each profile's version order, the removal naming the merge.
        List<ServeEvent> hookA = hook(a);
        assertEquals("profile.upsert", body(hookA.get(0)).get("type").asText());
        JsonNode removal = body(hookA.get(1));
        assertEquals("profile.erase", removal.get("type").asText());
        assertEquals(b, removal.get("mergedInto").asText());
        assertEquals(mergeId, removal.get("mergeId").asText());
        assertEquals(2, removal.get("version").asLong());
        JsonNode hookB = body(hook(b).get(1));
        assertEquals(version, hookB.get("version").asLong());
        assertTrue(hookB.get("full").asBoolean(), hookB.toString());
        assertEquals("Ann", hookB.get("traits").get("firstName").asText());

        Awaits.until(Duration.ofSeconds(20), () -> settled(api().get("/merges/" + mergeId).json()), this::diagnostics);
        Map<String, JsonNode> byName = byName(api().get("/merges/" + mergeId).json());
        for (String name : List.of("vero", "hook", "thrivestack")) {
            assertEquals("delivered", byName.get(name).get("survivor").get("status").asText(), name);
            assertEquals(version, byName.get(name).get("survivor").get("version").asLong(), name);
        }
        assertEquals("delivered", byName.get("vero").get("absorbed").get("status").asText());
        assertEquals("delivered", byName.get("hook").get("absorbed").get("status").asText());
        assertEquals("not_supported", byName.get("thrivestack").get("absorbed").get("status").asText());
        assertTrue(byName.get("thrivestack").get("absorbed").get("detail").asText().contains(a));

        assertEquals(200, api().post("/merges/" + mergeId + "/undo", "{}").status());
        Awaits.until(Duration.ofSeconds(40), () -> sent("/vero/users/track", a).size() == 2
                && sent("/vero/users/track", b).size() == 3 && hook(a).size() == 3
                && sent("/thrive/identify", a).size() == 2, this::diagnostics);
        JsonNode veroA = body(sent("/vero/users/track", a).get(1));
        assertEquals("vendor-a@example.com", veroA.get("email").asText());
        assertEquals("free", veroA.get("data").get("plan").asText());
        JsonNode veroB2 = body(sent("/vero/users/track", b).get(2));
        assertEquals("pro", veroB2.get("data").get("plan").asText());
        JsonNode restored = body(hook(a).get(2));
        assertEquals("profile.upsert", restored.get("type").asText());
        assertEquals(3, restored.get("version").asLong(), "the restored id's versions keep rising");
        Awaits.until(Duration.ofSeconds(20), () -> {
            JsonNode undo = byName(api().get("/merges/" + mergeId).json()).get("vero").get("undo");
            return undo.size() == 2 && undo.get(0).get("status").asText().equals("delivered")
                    && undo.get(1).get("status").asText().equals("delivered");
        }, this::diagnostics);
    }

    private static boolean settled(JsonNode record) {
        for (JsonNode d : record.get("destinations")) {
            if (d.get("survivor").get("status").asText().equals("pending")
                    || d.get("absorbed").get("status").asText().equals("pending")) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, JsonNode> byName(JsonNode record) {
        Map<String, JsonNode> byName = new HashMap<>();
        record.get("destinations").forEach(d -> byName.put(d.get("name").asText(), d));
        return byName;
    }

    private String diagnostics() {
        return fake.getAllServeEvents().stream().map(e -> e.getRequest().getUrl() + " " + e.getRequest().getBodyAsString())
                .toList().toString();
    }

    private static JsonNode body(ServeEvent e) {
        return Api.json(e.getRequest().getBodyAsString());
    }

    private List<ServeEvent> sent(String urlPrefix, String profileId) {
        return fake.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith(urlPrefix))
                .filter(e -> e.getRequest().getBodyAsString().contains(profileId))
                .sorted((x, y) -> x.getRequest().getLoggedDate().compareTo(y.getRequest().getLoggedDate()))
                .toList();
    }

    /** The webhook's events about the profile (a removal also names the survivor, in mergedInto). */
    private List<ServeEvent> hook(String profileId) {
        return sent("/hook", profileId).stream()
                .filter(e -> body(e).path("profileId").asText().equals(profileId)).toList();
    }

    private String create(String json) {
        Api.Response r = api().post("/identify", json);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }
}
