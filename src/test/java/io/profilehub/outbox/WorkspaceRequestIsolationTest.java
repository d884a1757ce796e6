package io.profilehub.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.VendorFakes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two workspaces on one batching destination (Thrivestack) whose vendor quotes every request in its error answer.
 * Their changes wait together behind a pause and go in one round: each request carries one workspace's changes, so
 * neither workspace reads the other's data in its sync state or dead letters; and erasing a person takes their values
 * out of every stored answer, those on other profiles' rows and the answer to their own erasure (Ours's scrub carries
 * the email) included. An admin key without profiles:read lists dead letters without their bodies.
 */
@MicronautTest(transactional = false)
class WorkspaceRequestIsolationTest extends ServiceTest {
    private static final String A_EMAIL = "ay.secret@example.com";
    private static final String B_EMAIL = "bee.secret@example.com";
    private static final String B_TRAIT = "bee-trait-4242";
    private static final String B2_EMAIL = "bee.two@example.com";
    private final String otherWorkspace = "ws_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_test_" + UUID.randomUUID().toString().replace("-", "");
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        // Every request is refused, with the request quoted back, as some vendors do: 429, which a batch is not split
        // for, so the answer of a whole request stays on each of its profiles.
        vendor.stubFor(post(urlPathEqualTo("/thrive/identify")).willReturn(aResponse().withStatus(429)
                .withBody("slow down with {{request.body}}").withTransformers("response-template")));
        vendor.stubFor(post(urlPathEqualTo("/ours/identify")).willReturn(aResponse().withStatus(500)
                .withBody("ours cannot take {{request.body}}").withTransformers("response-template")));
        Map<String, String> p = new HashMap<>();
        p.putAll(VendorFakes.THRIVESTACK.config("thrive", vendor.baseUrl(), "thrive-token",
                workspace + "," + otherWorkspace));
        p.put("profilehub.destinations.thrive.concurrency", "1");
        p.putAll(VendorFakes.OURS.config("ours", vendor.baseUrl(), "ours-token", otherWorkspace));
        p.put("profilehub.bootstrap.keys[0].workspace", otherWorkspace);
        p.put("profilehub.bootstrap.keys[0].key", otherKey);
        p.put("profilehub.outbox.poll-interval", "200ms");
        p.put("profilehub.outbox.breaker-minimum-calls", "1000");
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        // No jitter: b and b2, refused together, come due together and are retried in one request each time, so the
        // last answer on b2's rows quotes b (with jitter they were sometimes retried apart).
        p.put("profilehub.outbox.retry.jitter-max", "0ms");
        p.put("profilehub.outbox.retry.max-attempts", "3");
        return p;
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void eachRequestCarriesOneWorkspaceAndErasureLeavesNoValueInAnyAnswer() {
        Api a = api();
        Api b = api().withKey(otherKey);
        String readKey = a.post("/admin/api-keys", "{\"name\":\"reader\",\"scopes\":[\"profiles:read\"]}")
                .json().get("key").asText();
        Api aReader = api().withKey(readKey);

        assertEquals(200, management().post("/destinations/thrive/pause", "").status());
        String aId = a.post("/identify", "{\"identifiers\":{\"email\":\"" + A_EMAIL + "\"}}").json().get("id").asText();
        String bId = b.post("/identify", "{\"identifiers\":{\"email\":\"" + B_EMAIL + "\"},\"traits\":{\"plan\":\""
                + B_TRAIT + "\"}}").json().get("id").asText();
        String b2Id = b.post("/identify", "{\"identifiers\":{\"email\":\"" + B2_EMAIL + "\"}}").json().get("id").asText();
        assertEquals(200, management().post("/destinations/thrive/resume", "").status());

        // Both workspaces' changes are dead-lettered after three refused attempts each.
        Awaits.until(Duration.ofSeconds(30), () -> deadAt(a, "thrive") == 1 && deadAt(b, "thrive") == 2,
                () -> a.get("/sync/dead-letters").body() + b.get("/sync/dead-letters").body());
        for (LoggedRequest request : vendor.findAll(com.github.tomakehurst.wiremock.client.WireMock
                .postRequestedFor(urlPathEqualTo("/thrive/identify")))) {
            String body = request.getBodyAsString();
            assertFalse(body.contains(aId) && body.contains(bId), "one request carried both workspaces: " + body);
        }

        String aSync = aReader.get("/identify/" + aId + "/sync").body();
        String aDead = a.get("/sync/dead-letters").body();
        assertTrue(aDead.contains(A_EMAIL), "A's dead letter keeps the vendor's answer to A's request: " + aDead);
        for (String seenByA : List.of(aSync, aDead)) {
            assertFalse(seenByA.contains(B_EMAIL) || seenByA.contains(B_TRAIT) || seenByA.contains(B2_EMAIL), seenByA);
        }
        // An admin-only key operates delivery but reads no profile: the dead letters without their bodies.
        String adminOnly = a.post("/admin/api-keys", "{\"name\":\"operator\",\"scopes\":[\"admin\"]}")
                .json().get("key").asText();
        Api.Response operatorView = api().withKey(adminOnly).get("/sync/dead-letters");
        assertEquals(200, operatorView.status(), operatorView.body());
        JsonNode letter = operatorView.json().get("data").get(0);
        assertEquals(aId, letter.get("userId").asText());
        assertTrue(letter.has("event") && letter.get("event").isNull(), operatorView.body());
        assertTrue(letter.has("lastError") && letter.get("lastError").isNull(), operatorView.body());
        assertFalse(operatorView.body().contains(A_EMAIL), operatorView.body());

        String bDead = b.get("/sync/dead-letters").body();
        assertFalse(bDead.contains(A_EMAIL), bDead);
        assertTrue(b.get("/identify/" + b2Id + "/sync").body().contains(B_EMAIL),
                "b2's answer quotes b, who went in the same request of workspace B");

        // B erases b: b's values leave every table, the answers on b2's rows and to b's own erasure included.
        assertEquals(202, b.delete("/identify/" + bId).status());
        Awaits.until(Duration.ofSeconds(30), () -> b.get("/erasures/" + bId).json().path("status").asText()
                .equals("completed"), () -> b.get("/erasures/" + bId).body());
        JsonNode ours = null;
        for (JsonNode d : b.get("/erasures/" + bId).json().get("destinations")) {
            if (d.get("name").asText().equals("ours")) {
                ours = d;
            }
        }
        assertEquals("dead", ours.get("status").asText(), ours.toString());
        assertTrue(ours.get("detail").asText().contains("[erased]"), "Ours quoted the scrub request: " + ours);
        for (String value : List.of(B_EMAIL, B_TRAIT)) {
            assertEquals(List.of(), Rows.tablesContaining(value, List.of("dead_letters", "delivery_failures",
                    "delivery_parked", "erasure_destinations", "change_log")), value);
        }
        assertTrue(b.get("/identify/" + b2Id + "/sync").body().contains(B2_EMAIL), "b2's own answer stays");
    }

    private static int deadAt(Api api, String destination) {
        return api.get("/sync/dead-letters?destination=" + destination).json().get("data").size();
    }
}
