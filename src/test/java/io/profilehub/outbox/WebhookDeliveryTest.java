package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.destination.webhook.WebhookConnector;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest(transactional = false)
class WebhookDeliveryTest extends ServiceTest {
    private static final String SECRET = "whsec-test-secret";
    private final WireMockServer hook = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        hook.start();
        return Map.of(
                "profilehub.destinations.hook.type", "webhook",
                "profilehub.destinations.hook.url", hook.baseUrl() + "/events",
                "profilehub.destinations.hook.token", SECRET,
                "profilehub.outbox.poll-interval", "5s");
    }

    @BeforeEach
    void reset() {
        hook.resetAll();
        hook.stubFor(post(urlEqualTo("/events")).willReturn(aResponse().withStatus(204)));
    }

    @AfterAll
    void stopHook() {
        hook.stop();
    }

    @Test
    void deliversSignedEffectiveChangesInOrder() {
        Api.Response created = api().post("/identify", "{\"identifiers\":{\"email\":\"w@example.com\",\"name\":{\"first\":\"W\"}},\"traits\":{\"a\":1,\"b\":2}}");
        String id = created.json().get("id").asText();
        Awaits.until(Duration.ofSeconds(10), () -> requestsFor(id).size() == 1);
        api().post("/identify/" + id, "{\"identifiers\":{\"name\":{\"last\":\"Z\"}},\"traits\":{\"a\":null,\"b\":2,\"c\":3}}");
        Awaits.until(Duration.ofSeconds(10), () -> requestsFor(id).size() == 2);

        List<LoggedRequest> requests = requestsFor(id);
        for (LoggedRequest r : requests) {
            String expected = "sha256=" + WebhookConnector.sign(SECRET, r.getBody());
            assertEquals(expected, r.getHeader("X-ProfileHub-Signature"));
        }
        JsonNode create = Api.json(requests.get(0).getBodyAsString());
        assertEquals("profile.upsert", create.get("type").asText());
        assertTrue(create.get("created").asBoolean());
        assertEquals(1, create.get("version").asInt());
        assertEquals(Api.json("{\"a\":1,\"b\":2}"), create.get("traits"));
        JsonNode update = Api.json(requests.get(1).getBodyAsString());
        assertEquals(2, update.get("version").asInt());
        assertEquals(Api.json("{\"name\":{\"last\":\"Z\"}}"), update.get("identifiers"));
        assertEquals(Api.json("{\"a\":null,\"c\":3}"), update.get("traits"), "only what really changed");
    }

    @Test
    void noChangeNoEvent() {
        String id = api().post("/identify", "{\"identifiers\":{\"k\":\"noop\"},\"traits\":{\"a\":1}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(10), () -> requestsFor(id).size() == 1);
        api().post("/identify/" + id, "{\"traits\":{\"a\":1}}");
        api().post("/identify/" + id, "{\"traits\":{\"a\":2}}");
        Awaits.until(Duration.ofSeconds(10), () -> requestsFor(id).size() == 2);
        assertEquals(2, Api.json(requestsFor(id).get(1).getBodyAsString()).get("version").asInt());
    }

    @Test
    void deleteEventCarriesOnlyTheId() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"del@example.com\"}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(10), () -> requestsFor(id).size() == 1);
        assertEquals(202, api().delete("/identify/" + id).status());
        Awaits.until(Duration.ofSeconds(10), () -> requestsFor(id).size() == 2);
        JsonNode delete = Api.json(requestsFor(id).get(1).getBodyAsString());
        assertEquals("profile.erase", delete.get("type").asText());
        assertFalse(delete.toString().contains("del@example.com"));
    }

    private List<LoggedRequest> requestsFor(String profileId) {
        return hook.findAll(postRequestedFor(urlEqualTo("/events"))).stream()
                .filter(r -> new String(r.getBody(), StandardCharsets.UTF_8).contains(profileId))
                .sorted((a, b) -> Long.compare(Api.json(a.getBodyAsString()).get("version").asLong(),
                        Api.json(b.getBodyAsString()).get("version").asLong()))
                .toList();
    }
}
