package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two workspaces share destinations whose vendor echoes what it is sent in its error answers. Neither workspace may
 * see the other's profiles in a destination's state, nor pause or resume what also serves the other; erasure
 * leaves none of the person's data in any answer.
 */
@MicronautTest(transactional = false)
class SharedDestinationIsolationTest extends ServiceTest {
    private static final String EMAIL = "ann.secret@example.com";
    private static final String TRAIT = "plan-secret-77";
    private final String otherWorkspace = "ws_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_test_" + UUID.randomUUID().toString().replace("-", "");
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        // Erasures are accepted; everything else is refused with the request echoed back, as some vendors do.
        vendor.stubFor(post(urlEqualTo("/shared")).atPriority(1).withRequestBody(containing("profile.erase"))
                .willReturn(aResponse().withStatus(200)));
        vendor.stubFor(post(urlEqualTo("/shared")).atPriority(5).willReturn(aResponse().withStatus(400)
                .withBody("invalid: {{request.body}}").withTransformers("response-template")));
        vendor.stubFor(post(urlEqualTo("/locked")).atPriority(5).willReturn(aResponse().withStatus(401)
                .withBody("who is {{request.body}}?").withTransformers("response-template")));
        vendor.stubFor(post(urlEqualTo("/own")).willReturn(aResponse().withStatus(200)));
        Map<String, String> p = new HashMap<>();
        for (String name : new String[]{"shared", "locked", "own"}) {
            p.put("profilehub.destinations." + name + ".type", "webhook");
            p.put("profilehub.destinations." + name + ".url", vendor.baseUrl() + "/" + name);
            p.put("profilehub.destinations." + name + ".token", "hook-secret");
        }
        p.put("profilehub.destinations.own.workspaces", workspace);
        p.put("profilehub.bootstrap.keys[0].workspace", otherWorkspace);
        p.put("profilehub.bootstrap.keys[0].key", otherKey);
        p.put("profilehub.outbox.poll-interval", "200ms");
        return p;
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void aSharedDestinationShowsEachWorkspaceOnlyItsOwnStateAndOnlyOperatorsPauseIt() {
        Api a = api();
        Api b = api().withKey(otherKey);
        String id = a.post("/identify", "{\"identifiers\":{\"email\":\"" + EMAIL + "\"},\"traits\":{\"plan\":\""
                + TRAIT + "\"}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(30), () -> {
            Map<String, JsonNode> mine = byName(a.get("/sync/destinations").json());
            return mine.get("shared").get("dead").asInt() == 1 && mine.get("locked").get("paused").asBoolean();
        }, () -> a.get("/sync/destinations").body());

        Api.Response theirs = b.get("/sync/destinations");
        assertEquals(200, theirs.status());
        assertNoProfileData(theirs.body());
        Map<String, JsonNode> seenByB = byName(theirs.json());
        assertTrue(seenByB.get("shared").get("lastError").isNull(), "B had no failure there: " + theirs.body());
        assertTrue(seenByB.get("locked").get("paused").asBoolean(), "a pause stops the destination for all");
        assertFalse(seenByB.containsKey("own"), "own serves workspace A only");

        Api.Response ours = a.get("/sync/destinations");
        assertNoProfileData(ours.body());
        Map<String, JsonNode> seenByA = byName(ours.json());
        assertEquals("HTTP 400 from the vendor; dead-lettered", seenByA.get("shared").get("lastError").asText());
        assertTrue(seenByA.get("locked").get("pausedReason").asText().contains("HTTP 401"), ours.body());
        // The vendor's answer stays where only A sees it: on A's own event.
        assertTrue(a.get("/sync/dead-letters").body().contains(EMAIL), "A's dead letter keeps the vendor's answer");
        assertFalse(b.get("/sync/dead-letters").body().contains(EMAIL));

        // Pausing what serves other workspaces too is an operator's action; what serves A alone is A's.
        assertProblem(b.post("/sync/destinations/shared/pause", ""), 403, "operator", "every workspace");
        assertProblem(b.post("/sync/destinations/locked/resume", ""), 403, "operator");
        assertProblem(a.post("/sync/destinations/shared/pause", ""), 403, "operator");
        assertProblem(b.post("/sync/destinations/own/pause", ""), 404, "own");
        assertTrue(a.post("/sync/destinations/own/pause", "").json().get("paused").asBoolean());
        assertFalse(a.post("/sync/destinations/own/resume", "").json().get("paused").asBoolean());
        assertFalse(byName(a.get("/sync/destinations").json()).get("shared").get("paused").asBoolean(),
                "the refused pause changed nothing");

        // The operator sees every destination on the management port, and resumes the shared one once fixed.
        Api.Response operator = management().get("/destinations");
        assertEquals(200, operator.status(), operator.body());
        assertNoProfileData(operator.body());
        vendor.stubFor(post(urlEqualTo("/locked")).atPriority(1).willReturn(aResponse().withStatus(200)));
        Api.Response resumed = management().post("/destinations/locked/resume", "");
        assertEquals(200, resumed.status(), resumed.body());
        assertFalse(resumed.json().get("paused").asBoolean(), resumed.body());
        assertEquals(404, management().post("/destinations/locked/explode", "").status());
        assertEquals(404, management().post("/destinations/nothing/pause", "").status());

        assertEquals(202, a.delete("/identify/" + id).status());
        Awaits.until(Duration.ofSeconds(30), () -> a.get("/erasures/" + id).json().path("status").asText()
                .equals("completed"), () -> a.get("/erasures/" + id).body());
        for (Api.Response r : new Api.Response[]{a.get("/sync/destinations"), b.get("/sync/destinations"),
                a.get("/sync/dead-letters"), a.get("/identify/" + id + "/sync"), a.get("/erasures/" + id),
                management().get("/destinations")}) {
            assertNoProfileData(r.body());
        }
    }

    private static void assertNoProfileData(String body) {
        assertFalse(body.contains(EMAIL), body);
        assertFalse(body.contains(TRAIT), body);
    }

    private static Map<String, JsonNode> byName(JsonNode list) {
        Map<String, JsonNode> byName = new HashMap<>();
        list.get("data").forEach(d -> byName.put(d.get("name").asText(), d));
        return byName;
    }
}
