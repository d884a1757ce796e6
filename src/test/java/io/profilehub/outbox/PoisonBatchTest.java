package io.profilehub.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.VendorFakes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A batching vendor (Thrivestack) answers 500 to any request that carries one of workspace A's poison profiles.
 * They wait behind a pause with five innocent profiles of A and five of workspace B and go in one round: the innocent
 * ones are all delivered, and only the poison ones, failing on their own, are dead-lettered.
 */
@MicronautTest(transactional = false)
class PoisonBatchTest extends ServiceTest {
    private final String otherWorkspace = "ws_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_test_" + UUID.randomUUID().toString().replace("-", "");
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        vendor.stubFor(post(urlPathEqualTo("/thrive/identify")).atPriority(5)
                .willReturn(aResponse().withStatus(200).withBody("{\"success\":true}")));
        vendor.stubFor(post(urlPathEqualTo("/thrive/identify")).atPriority(1).withRequestBody(containing("poison"))
                .willReturn(aResponse().withStatus(500).withBody("internal error")));
        Map<String, String> p = new HashMap<>(VendorFakes.THRIVESTACK.config("thrive", vendor.baseUrl(), "t-token",
                workspace + "," + otherWorkspace));
        p.put("profilehub.destinations.thrive.concurrency", "1");
        p.put("profilehub.bootstrap.keys[0].workspace", otherWorkspace);
        p.put("profilehub.bootstrap.keys[0].key", otherKey);
        p.put("profilehub.outbox.poll-interval", "200ms");
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "10ms");
        p.put("profilehub.outbox.retry.max-attempts", "3");
        return p;
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void onlyThePoisonItemsFailingOnTheirOwnAreDeadLettered() {
        Api a = api();
        Api b = api().withKey(otherKey);
        assertEquals(200, management().post("/destinations/thrive/pause", "").status());
        List<String> innocentA = new ArrayList<>();
        List<String> innocentB = new ArrayList<>();
        Set<String> poison = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            innocentA.add(create(a, "a" + i + "@example.com", "fine"));
            if (i < 2) {
                poison.add(create(a, "bad" + i + "@example.com", "poison"));
            }
            innocentB.add(create(b, "b" + i + "@example.com", "fine"));
        }
        assertEquals(200, management().post("/destinations/thrive/resume", "").status());

        Awaits.until(Duration.ofSeconds(60), () -> dead(a).size() == 2 && delivered(a, innocentA)
                && delivered(b, innocentB), () -> a.get("/sync/dead-letters").body());
        assertEquals(poison, dead(a), "only the poison profiles are dead-lettered");
        assertEquals(Set.of(), dead(b), "nothing of workspace B is dead-lettered");
    }

    private static String create(Api api, String email, String kind) {
        return api.post("/identify", "{\"identifiers\":{\"email\":\"" + email + "\"},\"traits\":{\"kind\":\"" + kind
                + "\"}}").json().get("id").asText();
    }

    private static Set<String> dead(Api api) {
        Set<String> ids = new HashSet<>();
        api.get("/sync/dead-letters").json().get("data").forEach(d -> ids.add(d.get("userId").asText()));
        return ids;
    }

    private static boolean delivered(Api api, List<String> ids) {
        for (String id : ids) {
            JsonNode rows = api.get("/identify/" + id + "/sync").json().get("destinations");
            if (rows.size() != 1 || !rows.get(0).get("status").asText().equals("delivered")) {
                return false;
            }
        }
        return true;
    }
}
