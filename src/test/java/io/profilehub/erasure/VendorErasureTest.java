package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each vendor receives its erasure as its documents allow, and nothing of the user reaches it afterwards. */
@MicronautTest(transactional = false)
class VendorErasureTest extends ServiceTest {
    private static final String TOKEN = "erasure-vendor-token";
    private final WireMockServer fake = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        fake.start();
        Map<String, String> p = new HashMap<>();
        destination(p, "ours", "ours", "/ours");
        destination(p, "vero", "vero", "/vero");
        destination(p, "thrivestack", "thrivestack", "/thrive");
        destination(p, "marketap", "marketap", "/mkt");
        p.put("profilehub.destinations.marketap.project-id", "p1");
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.max-delay", "200ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        return p;
    }

    private void destination(Map<String, String> p, String name, String type, String path) {
        p.put("profilehub.destinations." + name + ".type", type);
        p.put("profilehub.destinations." + name + ".url", fake.baseUrl() + path);
        p.put("profilehub.destinations." + name + ".token", TOKEN);
        p.put("profilehub.destinations." + name + ".workspaces", workspace); // so this workspace's admin may pause it
    }

    @BeforeEach
    void stubs() {
        fake.resetAll();
        fake.stubFor(post(urlEqualTo("/ours/identify")).willReturn(aResponse().withStatus(200).withBody("{\"success\":true}")));
        fake.stubFor(post(urlPathEqualTo("/vero/users/track")).withQueryParam("auth_token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(200).withBody("{\"status\":200,\"message\":\"Success.\"}")));
        fake.stubFor(post(urlPathEqualTo("/vero/users/delete")).withQueryParam("auth_token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(200).withBody("{\"status\":200,\"message\":\"Success.\"}")));
        fake.stubFor(post(urlEqualTo("/thrive/identify")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .willReturn(aResponse().withStatus(200).withBody("{\"success\":true}")));
        for (String path : List.of("/mkt/v1/api/profile/user", "/mkt/v1/api/profile/user/deletion-job",
                "/mkt/v1/api/profile/user/deletion-job/bulk")) {
            fake.stubFor(post(urlEqualTo(path + "?project_id=p1")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
                    .willReturn(aResponse().withStatus(202)));
        }
        for (String name : List.of("ours", "vero", "thrivestack", "marketap")) {
            api().post("/sync/destinations/" + name + "/resume", "{}");
        }
    }

    @AfterAll
    void stop() {
        fake.stop();
    }

    @Test
    void eachVendorGetsItsErasureAndTheRecordCompletes() throws Exception {
        Api.Response created = api().post("/identify", "{\"identifiers\":{\"email\":\"vendor-erase@example.com\"},"
                + "\"traits\":{\"firstName\":\"Vera\",\"plan\":\"gold\"}}");
        String id = created.json().get("id").asText();
        Awaits.until(Duration.ofSeconds(40), () -> sent("/ours/identify", id).size() == 1
                && sent("/vero/users/track", id).size() == 1 && sent("/thrive/identify", id).size() == 1
                && sent("/mkt/v1/api/profile/user?", id).size() == 1, this::diagnostics);

        assertEquals(202, api().delete("/identify/" + id).status());
        Awaits.until(Duration.ofSeconds(40), () -> api().get("/erasures/" + id).json().get("status").asText().equals("completed"), this::diagnostics);
        Map<String, JsonNode> byName = new HashMap<>();
        api().get("/erasures/" + id).json().get("destinations").forEach(d -> byName.put(d.get("name").asText(), d));
        assertEquals("scrubbed", byName.get("ours").get("status").asText());
        assertTrue(byName.get("ours").get("detail").asText().contains("custom properties"));
        assertEquals("erased", byName.get("vero").get("status").asText());
        assertEquals("unsupported", byName.get("thrivestack").get("status").asText());
        assertTrue(byName.get("thrivestack").get("detail").asText().contains("by hand"));
        assertEquals("erased", byName.get("marketap").get("status").asText());

        JsonNode veroDelete = Api.json(single("/vero/users/delete").getRequest().getBodyAsString());
        assertEquals(Api.json("{\"id\":\"" + id + "\"}"), veroDelete);
        JsonNode marketapJob = Api.json(single("/mkt/v1/api/profile/user/deletion-job?").getRequest().getBodyAsString());
        assertEquals(Api.json("{\"user_id\":\"" + id + "\"}"), marketapJob);
        List<ServeEvent> ours = sent("/ours/identify", id);
        JsonNode scrub = Api.json(ours.get(ours.size() - 1).getRequest().getBodyAsString());
        assertEquals(TOKEN, scrub.get("token").asText());
        assertEquals(id, scrub.get("externalId").asText());
        assertEquals("vendor-erase@example.com", scrub.get("email").asText());
        scrub.get("userProperties").fields().forEachRemaining(f -> assertTrue(f.getValue().isNull(), f.getKey()));
        assertTrue(scrub.get("userProperties").has("first_name") && scrub.get("userProperties").has("email"));
        assertEquals(1, sent("/thrive/identify", id).size(), "nothing is sent to Thrivestack for an erasure");
        assertEquals(List.of(), ErasureTest.tablesContaining("vendor-erase@example.com"));
    }

    @Test
    void marketapErasesManyUsersWithOneBulkJobAndNoUpsertFollowsAnErasure() {
        for (String name : List.of("ours", "vero", "thrivestack", "marketap")) {
            api().post("/sync/destinations/" + name + "/pause", "{}");
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = api().post("/identify", "{\"identifiers\":{\"email\":\"bulk-erase-" + i + "@example.com\"}}")
                    .json().get("id").asText();
            api().post("/identify/" + id, "{\"traits\":{\"late\":true}}");
            ids.add(id);
        }
        ids.forEach(id -> assertEquals(202, api().delete("/identify/" + id).status()));
        for (String name : List.of("ours", "vero", "thrivestack", "marketap")) {
            api().post("/sync/destinations/" + name + "/resume", "{}");
        }
        Awaits.until(Duration.ofSeconds(40), () -> ids.stream().allMatch(id ->
                api().get("/erasures/" + id).json().get("status").asText().equals("completed")));
        JsonNode bulk = Api.json(single("/mkt/v1/api/profile/user/deletion-job/bulk?").getRequest().getBodyAsString());
        List<String> erased = new ArrayList<>();
        bulk.get("user_ids").forEach(u -> erased.add(u.asText()));
        assertEquals(ids.stream().sorted().toList(), erased.stream().sorted().toList());
        for (String id : ids) {
            assertEquals(List.of(), sent("/mkt/v1/api/profile/user?", id), "no upsert after the erasure");
            assertEquals(List.of(), sent("/vero/users/track", id));
            assertEquals(List.of(), sent("/thrive/identify", id));
            assertEquals(1, sent("/vero/users/delete", id).size());
        }
    }

    private List<ServeEvent> sent(String urlPrefix, String profileId) {
        return fake.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith(urlPrefix))
                .filter(e -> e.getRequest().getBodyAsString().contains(profileId))
                .sorted((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()))
                .toList();
    }

    private String diagnostics() {
        StringBuilder sb = new StringBuilder("\nrequests:\n");
        fake.getAllServeEvents().forEach(e -> sb.append(e.getResponse().getStatus()).append(' ')
                .append(e.getRequest().getUrl().replace(TOKEN, "…")).append('\n'));
        sb.append("destinations: ").append(api().get("/sync/destinations").body()).append('\n');
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("outbox-")) {
                sb.append(t.getName()).append(' ').append(t.getState())
                        .append(stack.length > 2 ? " at " + stack[0] + " < " + stack[1] + " < " + stack[2] : "").append('\n');
            }
        });
        return sb.toString();
    }

    private ServeEvent single(String urlPrefix) {
        List<ServeEvent> events = fake.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith(urlPrefix)).toList();
        assertEquals(1, events.size(), urlPrefix + " requests: " + events.size());
        return events.get(0);
    }
}
