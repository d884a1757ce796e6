package io.profilehub.faults;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM while a destination holds claims on requests a slow vendor has not answered: the service stops within
 * 3 s, logs no warning or error on the way, and gives its claims back before its connections close, so another
 * instance can take them at once instead of after the lease.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ShutdownTest {
    private final String workspace = "ws_shutdown";
    private final String key = "phk_shutdown_" + UUID.randomUUID().toString().replace("-", "");
    private WireMockServer vendor;
    private String url;
    private Audit audit;

    @BeforeAll
    void setUp() {
        url = TestDatabase.createExtraDatabase("shutdown");
        audit = new Audit(url, TestDatabase.username(), TestDatabase.password(), workspace);
        vendor = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        vendor.start();
        vendor.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(6000)));
    }

    @AfterAll
    void tearDown() {
        if (vendor != null) {
            vendor.stop();
        }
    }

    /**
     * Without a configured database the service runs an embedded PostgreSQL; it must stop after the application,
     * not race it (that race logged pool warnings, "could not release claimed events" and took up to 9 s).
     */
    @Test
    void withTheEmbeddedDatabaseShutdownIsQuietAndTheDatabaseStopsLast() throws Exception {
        java.nio.file.Path data = Files.createTempDirectory("profilehub-embedded");
        Map<String, String> properties = Map.of(
                "profilehub.embedded-db.directory", data.toString(),
                "profilehub.destinations.slow.type", "webhook",
                "profilehub.destinations.slow.url", vendor.baseUrl() + "/slow-embedded",
                "profilehub.destinations.slow.token", "slow-token");
        try (ServiceProcess service = new ServiceProcess("shutdown-embedded", null, null, null, workspace, key,
                properties)) {
            service.start(Duration.ofMinutes(2));
            Api api = service.api();
            for (int i = 0; i < 3; i++) {
                assertEquals(201, api.post("/identify", "{\"identifiers\":{\"email\":\"embedded" + i
                        + "@example.com\"}}").status());
            }
            Awaits.until(Duration.ofSeconds(60), () -> vendor.getAllServeEvents().stream()
                    .anyMatch(e -> e.getRequest().getUrl().equals("/slow-embedded")));
            stopQuicklyAndQuietly(service, "shutdown with the embedded database");
        } finally {
            try (var files = Files.walk(data)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void sigtermIsQuickQuietAndReleasesClaims() throws Exception {
        Map<String, String> properties = Map.of(
                "profilehub.destinations.slow.type", "webhook",
                "profilehub.destinations.slow.url", vendor.baseUrl() + "/slow",
                "profilehub.destinations.slow.token", "slow-token",
                "profilehub.destinations.slow.concurrency", "2");
        try (ServiceProcess service = new ServiceProcess("shutdown", url, TestDatabase.username(),
                TestDatabase.password(), workspace, key, properties)) {
            service.start(Duration.ofMinutes(2));
            String instance = service.instanceId();
            Api api = service.api();
            for (int i = 0; i < 6; i++) {
                assertEquals(201, api.post("/identify", "{\"identifiers\":{\"email\":\"stop" + i + "@example.com\"}}")
                        .status());
            }
            Awaits.until(Duration.ofSeconds(60), () -> {
                try {
                    return !audit.inFlightOf(instance).isEmpty() && !vendor.getAllServeEvents().isEmpty();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            stopQuicklyAndQuietly(service, "shutdown");
            assertEquals(java.util.Set.of(), audit.inFlightOf(instance), "claims released at shutdown");
        }
    }

    /** SIGTERM: the process exits within 3 s and logs no warning, error or exception after the signal. */
    private static void stopQuicklyAndQuietly(ServiceProcess service, String label) throws Exception {
        long logged = Files.size(service.log());
        long start = System.nanoTime();
        service.process().destroy(); // SIGTERM
        boolean exited = service.process().waitFor(10, TimeUnit.SECONDS);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("FAULTS " + label + " took " + tookMillis + " ms");
        byte[] all = Files.readAllBytes(service.log());
        String afterSignal = new String(all, (int) logged, all.length - (int) logged, StandardCharsets.UTF_8);
        assertTrue(exited && tookMillis < 3000, "exit within 3 s, took " + tookMillis + " ms:\n" + afterSignal);
        List<String> noisy = afterSignal.lines()
                .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("Exception")).toList();
        assertEquals(List.of(), noisy, "a quiet shutdown:\n" + afterSignal);
    }
}
