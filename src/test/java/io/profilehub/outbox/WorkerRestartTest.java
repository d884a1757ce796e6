package io.profilehub.outbox;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The only delivery worker of a destination dies of an Error (an OutOfMemoryError thrown out of its connector): it is
 * restarted, counted in a metric, and delivery goes on, the change it died with included.
 */
@MicronautTest(transactional = false)
class WorkerRestartTest extends ServiceTest {
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        vendor.stubFor(post(urlEqualTo("/boom")).willReturn(aResponse().withStatus(200)));
        Map<String, String> p = new HashMap<>();
        p.put("test.exploding-connector", "true");
        p.put("profilehub.destinations.boom.type", "exploding");
        p.put("profilehub.destinations.boom.url", vendor.baseUrl() + "/boom");
        p.put("profilehub.destinations.boom.token", "boom-secret");
        p.put("profilehub.destinations.boom.concurrency", "1");
        p.put("profilehub.outbox.poll-interval", "200ms");
        return p;
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void aWorkerKilledByAnErrorIsRestartedAndDeliveryGoesOn() {
        Api a = api();
        String first = a.post("/identify", "{\"identifiers\":{\"email\":\"boom@example.com\"},"
                + "\"traits\":{\"explode\":true}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(20), () -> ExplodingConnectorFactory.EXPLOSIONS.get() >= 1);
        String second = a.post("/identify", "{\"identifiers\":{\"email\":\"after@example.com\"}}")
                .json().get("id").asText();

        Awaits.until(Duration.ofSeconds(30), () -> delivered(first) && delivered(second),
                () -> vendor.getAllServeEvents().size() + " requests; " + a.get("/identify/" + first + "/sync").body());
        assertEquals(1, vendor.findAll(postRequestedFor(urlEqualTo("/boom")).withRequestBody(containing(first))).size(),
                "the change the worker died with went once, after the restart");
        String metrics = management().get("/prometheus").body();
        assertTrue(metrics.contains("profilehub_delivery_worker_restarts_total{destination=\"boom\"} 1.0"), metrics
                .lines().filter(l -> l.contains("restarts")).toList().toString());
    }

    private boolean delivered(String id) {
        return !vendor.findAll(postRequestedFor(urlEqualTo("/boom")).withRequestBody(containing(id))).isEmpty();
    }
}
