package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code attempts} counts every request sent with an event, the one that settled it included. */
@MicronautTest(transactional = false)
class AttemptsCountTest extends ServiceTest {
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        // Two failures, then success.
        vendor.stubFor(post(urlEqualTo("/second-time")).inScenario("s").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("failed once"));
        vendor.stubFor(post(urlEqualTo("/second-time")).inScenario("s").whenScenarioStateIs("failed once")
                .willReturn(aResponse().withStatus(503)).willSetStateTo("failed twice"));
        vendor.stubFor(post(urlEqualTo("/second-time")).inScenario("s").whenScenarioStateIs("failed twice")
                .willReturn(aResponse().withStatus(200)));
        vendor.stubFor(post(urlEqualTo("/first-time")).willReturn(aResponse().withStatus(200)));
        // 500, 500, 401 (the destination pauses), and once resumed 200.
        String[] answers = {Scenario.STARTED, "500 once", "500 twice", "401"};
        int[] statuses = {500, 500, 401, 200};
        for (int i = 0; i < statuses.length; i++) {
            vendor.stubFor(post(urlEqualTo("/refused-once")).inScenario("r").whenScenarioStateIs(answers[i])
                    .willReturn(aResponse().withStatus(statuses[i]).withBody("{\"error\":\"answer " + i + "\"}"))
                    .willSetStateTo(i + 1 < answers.length ? answers[i + 1] : "delivered"));
        }
        vendor.stubFor(post(urlEqualTo("/refuses")).willReturn(aResponse().withStatus(422).withBody("no")));
        Map<String, String> p = new HashMap<>();
        for (String name : new String[]{"first-time", "second-time", "refuses", "refused-once"}) {
            p.put("profilehub.destinations." + name + ".type", "webhook");
            p.put("profilehub.destinations." + name + ".url", vendor.baseUrl() + "/" + name);
            p.put("profilehub.destinations." + name + ".token", "attempt-secret");
        }
        p.put("profilehub.destinations.refused-once.workspaces", workspace);
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "10ms");
        return p;
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void attemptsIncludeTheRequestThatDeliveredOrDeadLetteredTheEvent() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"attempts@example.com\"}}")
                .json().get("id").asText();
        Awaits.until(Duration.ofSeconds(30), () -> {
            JsonNode rows = api().get("/identify/" + id + "/sync").json().get("destinations");
            int finished = 0;
            for (JsonNode row : rows) {
                finished += row.get("status").asText().matches("delivered|dead") ? 1 : 0;
            }
            return finished == 3 && pausedState(rows) != null;
        }, () -> api().get("/identify/" + id + "/sync").body());
        Map<String, JsonNode> byName = new HashMap<>();
        api().get("/identify/" + id + "/sync").json().get("destinations").forEach(r -> byName.put(r.get("name").asText(), r));

        assertEquals(1, byName.get("first-time").get("attempts").asInt(), byName.toString());
        assertEquals(3, byName.get("second-time").get("attempts").asInt(), byName.toString());
        vendor.verify(3, postRequestedFor(urlEqualTo("/second-time")));
        assertEquals(1, byName.get("refuses").get("attempts").asInt(), byName.toString());
        assertEquals(1, api().get("/sync/dead-letters?destination=refuses").json().get("data").get(0)
                .get("attempts").asInt());

        // While the destination is paused, the profile's state is the refusal, counted, not the 500 before it.
        JsonNode paused = pausedState(api().get("/identify/" + id + "/sync").json().get("destinations"));
        assertEquals("pending", paused.get("status").asText(), paused.toString());
        assertEquals(3, paused.get("attempts").asInt(), paused.toString());
        assertTrue(paused.get("lastError").asText().startsWith("destination paused: credentials refused (HTTP 401)"),
                paused.toString());

        assertEquals(200, api().post("/sync/destinations/refused-once/resume", "").status());
        Awaits.until(Duration.ofSeconds(30), () -> "delivered".equals(state(id, "refused-once").get("status")
                .asText()), () -> state(id, "refused-once").toString());
        assertEquals(4, state(id, "refused-once").get("attempts").asInt(), state(id, "refused-once").toString());
        vendor.verify(4, postRequestedFor(urlEqualTo("/refused-once")));
    }

    /** The refused-once row once the 401 paused it (status 401 on the row), else null. */
    private static JsonNode pausedState(JsonNode rows) {
        for (JsonNode row : rows) {
            if (row.get("name").asText().equals("refused-once") && row.path("lastStatus").asInt() == 401) {
                return row;
            }
        }
        return null;
    }

    private JsonNode state(String id, String destination) {
        for (JsonNode row : api().get("/identify/" + id + "/sync").json().get("destinations")) {
            if (row.get("name").asText().equals(destination)) {
                return row;
            }
        }
        throw new AssertionError("no row for " + destination);
    }
}
