package io.profilehub.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.WebhookDestinations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A vendor that takes one user per request, with a small batch size: a profile written faster than the vendor
 * answers reaches it in a few requests carrying runs of its consecutive changes, not in one request per change.
 */
@MicronautTest(transactional = false)
class ConsecutiveChangesTest extends ServiceTest {
    private static final int VERSIONS = 12;
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        vendor.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        Map<String, String> p = WebhookDestinations.retryingQuickly(vendor.baseUrl(), "composed-secret",
                List.of("hook"), 5, workspace);
        p.put("profilehub.destinations.hook.concurrency", "2");
        p.put("profilehub.outbox.batch-size", "5");
        return p;
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void aRoundReadsSeveralChangesOfALaneAndOneRequestCarriesThem() {
        api().post("/sync/destinations/hook/pause", "{}");
        String id = api().post("/identify", "{\"identifiers\":{\"k\":\"runs\"},\"traits\":{\"n\":1}}")
                .json().get("id").asText();
        for (int n = 2; n <= VERSIONS; n++) {
            assertEquals(200, api().post("/identify/" + id, "{\"traits\":{\"n\":" + n + "}}").status());
        }
        api().post("/sync/destinations/hook/resume", "{}");
        Awaits.until(Duration.ofSeconds(15), () -> versions(id).contains((long) VERSIONS), () -> "sent " + versions(id));

        // Rounds read each lane ClaimLoop.DEPTH (8) changes deep: versions 1-8, then 9-12. Read one change per lane
        // (as with batch-size 5 before), it took twelve requests.
        assertEquals(List.of(8L, 12L), versions(id), "the versions each request brought");
        JsonNode last = Api.json(vendor.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains(id))
                .max((x, y) -> x.getRequest().getLoggedDate().compareTo(y.getRequest().getLoggedDate()))
                .orElseThrow().getRequest().getBodyAsString());
        assertEquals(VERSIONS, last.at("/traits/n").asInt(), "the composed request carries the last value: " + last);
    }

    private List<Long> versions(String profileId) {
        return vendor.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains(profileId))
                .sorted((x, y) -> x.getRequest().getLoggedDate().compareTo(y.getRequest().getLoggedDate()))
                .map(e -> Api.json(e.getRequest().getBodyAsString()).get("version").asLong())
                .toList();
    }
}
