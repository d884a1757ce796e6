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
        vendor.stubFor(post(urlEqualTo("/refuses")).willReturn(aResponse().withStatus(422).withBody("no")));
        Map<String, String> p = new HashMap<>();
        for (String name : new String[]{"first-time", "second-time", "refuses"}) {
            p.put("profilehub.destinations." + name + ".type", "webhook");
            p.put("profilehub.destinations." + name + ".url", vendor.baseUrl() + "/" + name);
            p.put("profilehub.destinations." + name + ".token", "attempt-secret");
        }
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
            return finished == 3;
        }, () -> api().get("/identify/" + id + "/sync").body());
        Map<String, JsonNode> byName = new HashMap<>();
        api().get("/identify/" + id + "/sync").json().get("destinations").forEach(r -> byName.put(r.get("name").asText(), r));

        assertEquals(1, byName.get("first-time").get("attempts").asInt(), byName.toString());
        assertEquals(3, byName.get("second-time").get("attempts").asInt(), byName.toString());
        vendor.verify(3, postRequestedFor(urlEqualTo("/second-time")));
        assertEquals(1, byName.get("refuses").get("attempts").asInt(), byName.toString());
        assertEquals(1, api().get("/sync/dead-letters?destination=refuses").json().get("data").get(0)
                .get("attempts").asInt());
    }
}
