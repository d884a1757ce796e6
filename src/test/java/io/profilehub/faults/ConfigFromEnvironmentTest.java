package io.profilehub.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.profilehub.destination.webhook.WebhookConnector;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Destinations configured through environment variables, as a container would: the service runs as a child process
 * with the variables set, and what it delivers (the signature proves which token it used) shows what it read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ConfigFromEnvironmentTest {
    private final String workspace = "ws_envcfg";
    private final String key = "phk_envcfg_" + UUID.randomUUID().toString().replace("-", "");
    private WireMockServer vendor;
    private String url;

    @BeforeAll
    void setUp() {
        url = TestDatabase.createExtraDatabase("envcfg");
        vendor = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        vendor.start();
        vendor.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
    }

    @AfterAll
    void tearDown() {
        if (vendor != null) {
            vendor.stop();
        }
    }

    @Test
    void everyDestinationKeyWorksFromTheEnvironment() throws Exception {
        Path file = Files.createTempFile("profilehub-destinations", ".yml");
        Files.writeString(file, """
                profilehub:
                  destinations:
                    filed:
                      type: webhook
                      url: %1$s/filed
                      token: file-token
                    tokenless:
                      type: webhook
                      url: %1$s/tokenless
                """.formatted(vendor.baseUrl()));
        Map<String, String> env = new HashMap<>();
        env.put("MICRONAUT_CONFIG_FILES", file.toString());
        env.put("PROFILEHUB_DESTINATIONS_HOOK2_TYPE", "webhook");
        env.put("PROFILEHUB_DESTINATIONS_HOOK2_URL", vendor.baseUrl() + "/hook2");
        env.put("PROFILEHUB_DESTINATIONS_HOOK2_TOKEN", "hook2-token");
        env.put("PROFILEHUB_DESTINATIONS_HOOK2_TIMEOUT", "3s");
        env.put("PROFILEHUB_DESTINATIONS_HOOK2_CONCURRENCY", "2");
        env.put("PROFILEHUB_DESTINATIONS_HOOK2_RATE_LIMIT", "50");
        env.put("PROFILEHUB_DESTINATIONS_HOOK2_WORKSPACES", workspace + ",other");
        env.put("PROFILEHUB_DESTINATIONS_FILED_TOKEN", "env-token");
        env.put("PROFILEHUB_DESTINATIONS_TOKENLESS_TOKEN", "tokenless-env-token");
        // A dashed name: the variable splits where the rest is a known key.
        env.put("PROFILEHUB_DESTINATIONS_CRM_HOOK_TYPE", "webhook");
        env.put("PROFILEHUB_DESTINATIONS_CRM_HOOK_URL", vendor.baseUrl() + "/crm-hook");
        env.put("PROFILEHUB_DESTINATIONS_CRM_HOOK_TOKEN", "crm-hook-token");
        env.put("PROFILEHUB_DESTINATIONS_CRM_HOOK_ENABLED", "false");
        try (ServiceProcess service = new ServiceProcess("envcfg", url, TestDatabase.username(),
                TestDatabase.password(), workspace, key, Map.of()).environment(env)) {
            service.start(Duration.ofMinutes(2));
            Api api = service.api();

            Api.Response destinations = api.get("/sync/destinations");
            assertEquals(200, destinations.status(), destinations.body());
            Map<String, JsonNode> byName = new HashMap<>();
            destinations.json().path("data").forEach(d -> byName.put(d.path("name").asText(), d));
            assertEquals(List.of("crm-hook", "filed", "hook2", "tokenless"), byName.keySet().stream().sorted().toList(),
                    destinations.body());
            assertEquals(vendor.baseUrl() + "/hook2", byName.get("hook2").path("url").asText());

            assertEquals(201, api.post("/identify", "{\"identifiers\":{\"email\":\"env@example.com\"}}").status());
            Map<String, String> tokens = Map.of("/hook2", "hook2-token", "/filed", "env-token",
                    "/tokenless", "tokenless-env-token");
            Awaits.until(Duration.ofSeconds(60), () -> tokens.keySet().stream()
                    .allMatch(p -> !vendor.findAll(postRequestedFor(urlPathEqualTo(p))).isEmpty()));
            tokens.forEach((path, token) -> {
                LoggedRequest request = vendor.findAll(postRequestedFor(urlPathEqualTo(path))).get(0);
                assertEquals("sha256=" + WebhookConnector.sign(token, request.getBody()),
                        request.getHeader(WebhookConnector.SIGNATURE_HEADER), path + " is signed with " + token);
            });
            assertTrue(vendor.findAll(postRequestedFor(urlPathEqualTo("/crm-hook"))).isEmpty(),
                    "crm-hook was disabled from the environment");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aMisspeltEnvironmentKeyStopsStartUpNamingIt() {
        Map<String, String> env = Map.of(
                "PROFILEHUB_DESTINATIONS_HOOK3_TYPE", "webhook",
                "PROFILEHUB_DESTINATIONS_HOOK3_URL", vendor.baseUrl() + "/hook3",
                "PROFILEHUB_DESTINATIONS_HOOK3_TOKNE", "typo");
        ServiceProcess service = new ServiceProcess("envcfg-typo", url, TestDatabase.username(),
                TestDatabase.password(), workspace, key, Map.of()).environment(env);
        try (service) {
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> service.start(Duration.ofMinutes(2)));
            assertTrue(failure.getMessage().contains("profilehub.destinations.hook3.tokne is not an option of webhook"),
                    failure.getMessage());
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
