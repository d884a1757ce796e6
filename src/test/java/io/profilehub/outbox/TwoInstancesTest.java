package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two service instances on one database share the outbox: every event once, each profile in order. */
@MicronautTest(transactional = false)
class TwoInstancesTest extends ServiceTest {
    private final WireMockServer hook = new WireMockServer(options().dynamicPort().containerThreads(40));
    private ApplicationContext second;

    @Inject
    MeterRegistry registry;

    private static double delivered(MeterRegistry r) {
        var counter = r.find("profilehub.deliveries").tag("outcome", "delivered").counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    protected Map<String, String> extraProperties() {
        hook.start();
        hook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200).withFixedDelay(2)));
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.destinations.shared.type", "webhook");
        p.put("profilehub.destinations.shared.url", hook.baseUrl() + "/hook");
        p.put("profilehub.destinations.shared.token", "shared-secret");
        p.put("profilehub.outbox.batch-size", "10");
        return p;
    }

    @AfterAll
    void stop() {
        if (second != null) {
            second.close();
        }
        hook.stop();
    }

    @Test
    void twoEnginesDeliverEveryEventOnceAndInOrder() throws Exception {
        second = ApplicationContext.run(EmbeddedServer.class, new HashMap<>(getProperties())).getApplicationContext();
        Api a = api();
        Api b = new Api(second.getBean(EmbeddedServer.class).getURI(), adminKey);

        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<String>> futures = new ArrayList<>();
        for (int p = 0; p < 60; p++) {
            int n = p;
            futures.add(pool.submit(() -> {
                Api via = n % 2 == 0 ? a : b;
                String id = via.post("/identify", "{\"identifiers\":{\"two\":\"p" + n + "\"},\"traits\":{\"n\":0}}").json().get("id").asText();
                for (int step = 1; step <= 5; step++) {
                    Api next = step % 2 == 0 ? a : b;
                    assertEquals(200, next.post("/identify/" + id, "{\"traits\":{\"n\":" + step + ",\"k" + step + "\":true}}").status());
                }
                return id;
            }));
        }
        List<String> ids = new ArrayList<>();
        for (Future<String> f : futures) {
            ids.add(f.get());
        }
        pool.shutdown();
        Awaits.until(Duration.ofSeconds(60), () -> {
            Map<String, List<JsonNode>> accepted = Deliveries.accepted(hook);
            return ids.stream().allMatch(id -> accepted.containsKey(id)
                    && accepted.get(id).get(accepted.get(id).size() - 1).get("version").asLong() == 6);
        });
        Map<String, List<JsonNode>> accepted = Deliveries.accepted(hook);
        for (String id : ids) {
            Set<Long> seen = new HashSet<>();
            long previous = 0;
            for (JsonNode e : accepted.get(id)) {
                long version = e.get("version").asLong();
                assertTrue(seen.add(version), "version " + version + " of " + id + " delivered twice");
                assertTrue(version > previous, "out of order for " + id);
                previous = version;
            }
            assertEquals(api().get("/identify/" + id).json().get("traits"), Deliveries.replay(accepted.get(id), "traits"));
        }
        assertTrue(delivered(registry) > 0 && delivered(second.getBean(MeterRegistry.class)) > 0,
                "both instances delivered a share");
    }
}
