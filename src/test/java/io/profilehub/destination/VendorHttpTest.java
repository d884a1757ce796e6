package io.profilehub.destination;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.ApplicationContext;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Micronaut client of one destination: every status is an answer (status and body), no answer is a retry with
 * its reason, and each call is timed as {@code http.client.requests} under the destination's name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VendorHttpTest {
    private WireMockServer vendor;
    private ApplicationContext context;
    private VendorClient client;

    @BeforeAll
    void setUp() {
        vendor = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        vendor.start();
        vendor.stubFor(post(urlPathEqualTo("/ok")).willReturn(aResponse().withStatus(202)
                .withHeader("Content-Type", "application/json").withBody("{\"accepted\":true}")));
        vendor.stubFor(post(urlPathEqualTo("/bad")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":\"token s3cret is wrong\"}")));
        vendor.stubFor(post(urlPathEqualTo("/busy")).willReturn(aResponse().withStatus(429)
                .withHeader("Retry-After", "7").withBody("slow down")));
        vendor.stubFor(post(urlPathEqualTo("/locked")).willReturn(aResponse().withStatus(401)));
        vendor.stubFor(post(urlPathEqualTo("/broken")).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "text/html").withBody("<h1>down</h1>")));
        vendor.stubFor(post(urlPathEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(3000)));
        Map<String, Object> props = new HashMap<>(TestDatabase.datasourceProperties());
        context = ApplicationContext.run(props);
        client = context.getBean(VendorHttp.class).client(settings(vendor.baseUrl(), Duration.ofSeconds(10)));
    }

    private static DestinationSettings settings(String url, Duration timeout) {
        return new DestinationSettings("probe", "webhook", URI.create(url), "s3cret", true, List.of(), 2, null,
                timeout, null, Map.of());
    }

    @AfterAll
    void tearDown() {
        if (context != null) {
            context.close();
        }
        if (vendor != null) {
            vendor.stop();
        }
    }

    private Outcome send(String path) {
        return client.send(URI.create(vendor.baseUrl() + path + "?auth_token=s3cret"), Map.of("X-Test", "1"),
                "{}".getBytes(StandardCharsets.UTF_8), "s3cret");
    }

    @Test
    void everyStatusIsAnAnswerClassifiedInOnePlace() throws Exception {
        VendorHttp.Answer ok = client.post(URI.create(vendor.baseUrl() + "/ok"), Map.of(), "{}".getBytes());
        assertEquals(202, ok.status());
        assertEquals("{\"accepted\":true}", ok.body());

        assertEquals(Outcome.Kind.DELIVERED, send("/ok").kind());
        Outcome bad = send("/bad");
        assertEquals(Outcome.Kind.DEAD, bad.kind(), bad::toString);
        assertEquals(400, bad.status());
        assertEquals("{\"error\":\"token [REDACTED] is wrong\"}", bad.detail());
        Outcome busy = send("/busy");
        assertEquals(Outcome.Kind.RETRY, busy.kind());
        assertEquals(Duration.ofSeconds(7), busy.retryAfter());
        assertEquals(Outcome.Kind.PAUSE, send("/locked").kind());
        Outcome broken = send("/broken");
        assertEquals(Outcome.Kind.RETRY, broken.kind());
        assertEquals("<h1>down</h1>", broken.detail());
    }

    @Test
    void noAnswerIsARetryWithItsReason() throws Exception {
        VendorClient impatient = context.getBean(VendorHttp.class).client(settings(vendor.baseUrl(),
                Duration.ofMillis(800)));
        Outcome slow = impatient.send(URI.create(vendor.baseUrl() + "/slow"), Map.of(), "{}".getBytes());
        assertEquals(Outcome.Kind.RETRY, slow.kind());
        assertEquals(0, slow.status());
        assertEquals("no answer within 800 ms", slow.detail());

        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        VendorClient nowhere = context.getBean(VendorHttp.class).client(settings("http://127.0.0.1:" + closed,
                Duration.ofSeconds(2)));
        Outcome refused = nowhere.send(URI.create("http://127.0.0.1:" + closed + "/x"), Map.of(), "{}".getBytes());
        assertEquals(Outcome.Kind.RETRY, refused.kind());
        assertEquals("connection refused or unreachable", refused.detail());
    }

    @Test
    void callsAreTimedPerDestinationWithoutTheQuery() {
        send("/ok");
        MeterRegistry registry = context.getBean(MeterRegistry.class);
        Timer timer = registry.find("http.client.requests").tag("serviceId", "probe").tag("uri", "/ok").timer();
        assertNotNull(timer, () -> "http.client.requests for probe /ok; meters: " + registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("http.client"))
                .map(m -> m.getId().toString()).toList());
        assertTrue(timer.count() >= 1);
        assertTrue(registry.getMeters().stream().noneMatch(m -> m.getId().toString().contains("s3cret")));
    }
}
