package io.profilehub.operations;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Metrics and detailed health are an operator's, on the management port; the API port's health says UP or DOWN. */
@MicronautTest(transactional = false)
class ManagementPortTest extends ServiceTest {
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        vendor.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        return Map.of("profilehub.destinations.hook.type", "webhook",
                "profilehub.destinations.hook.url", vendor.baseUrl() + "/hook",
                "profilehub.destinations.hook.token", "hook-secret",
                "profilehub.outbox.metrics-interval", "200ms");
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void theOperatorsDestinationsShowTimestampsInTheOneDocumentedFormat() {
        assertEquals(200, management().post("/destinations/hook/pause", "").status());
        try {
            JsonNode hook = null;
            for (JsonNode d : management().get("/destinations").json().get("data")) {
                hook = d.get("name").asText().equals("hook") ? d : hook;
            }
            assertTrue(hook != null && hook.get("pausedAt").asText()
                    .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z"), String.valueOf(hook));
        } finally {
            assertEquals(200, management().post("/destinations/hook/resume", "").status());
        }
    }

    @Test
    void metricsAreServedOnTheManagementPortOnlyUnderTheDocumentedNames() {
        assertProblem(api().get("/prometheus"), 404);

        api().post("/identify", "{\"identifiers\":{\"email\":\"metrics@example.com\"}}");
        // The names README documents, as Prometheus scrapes them.
        List<String> names = List.of("profilehub_deliveries_total{destination=\"hook\",outcome=\"delivered\"}",
                "profilehub_delivery_latency_seconds_count{destination=\"hook\"}",
                "profilehub_delivery_latency_seconds{destination=\"hook\",quantile=\"0.99\"}",
                "profilehub_outbox_pending{destination=\"hook\"}",
                "profilehub_outbox_oldest_pending_age_seconds{destination=\"hook\"}");
        Awaits.until(Duration.ofSeconds(20), () -> {
            Api.Response metrics = management().get("/prometheus");
            return metrics.status() == 200 && names.stream().allMatch(metrics.body()::contains);
        }, () -> management().get("/prometheus").body().replaceAll("(?m)^(?!profilehub).*\n", ""));
    }

    @Test
    void anonymousHealthSaysUpOrDownOnlyAndUnknownHealthPathsAre404() {
        Api anonymous = api().withKey(null);
        Api.Response health = anonymous.get("/health");
        assertEquals(200, health.status(), health.body());
        assertEquals("{\"status\":\"UP\"}", health.body());
        for (String path : List.of("/health/x", "/health/liveness", "/health/readiness", "/health/jdbc")) {
            assertProblem(anonymous.get(path), 404);
            assertFalse(anonymous.get(path).body().contains("io.micronaut"), path);
        }
        // Operators get the details on the management port.
        Api.Response detailed = management().get("/health");
        assertEquals(200, detailed.status(), detailed.body());
        assertTrue(detailed.body().contains("jdbc"), detailed.body());
    }
}
