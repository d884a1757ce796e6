package io.profilehub.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One timestamp format and one paging shape, whichever endpoint (or webhook body) a client reads. */
@MicronautTest(transactional = false)
class ConsistencyApiTest extends ServiceTest {
    private static final Pattern ANY_TIMESTAMP = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T.*");
    private static final Pattern THE_FORMAT = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$");
    private final WireMockServer hook = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        if (!hook.isRunning()) {
            hook.start();
            hook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
            hook.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.traits.refuse")).atPriority(1)
                    .willReturn(aResponse().withStatus(422)));
        }
        return Map.of("profilehub.destinations.hook.type", "webhook",
                "profilehub.destinations.hook.url", hook.baseUrl() + "/hook",
                "profilehub.destinations.hook.token", "consistency-secret");
    }

    @AfterAll
    void stopHook() {
        hook.stop();
    }

    @Test
    void everyTimestampHasOneFormat() {
        List<JsonNode> answers = new ArrayList<>();
        Api.Response created = api().post("/identify", "{\"identifiers\":{\"email\":\"ts@example.com\"}}");
        String id = created.json().path("id").asText();
        answers.add(created.json());
        answers.add(api().post("/identify/" + id, "{\"traits\":{\"plan\":\"pro\"}}").json());
        answers.add(api().get("/identify/" + id).json());
        answers.add(api().get("/identify?email=ts@example.com").json());
        answers.add(api().post("/admin/api-keys", "{\"name\":\"ts\",\"scopes\":[\"profiles:read\"]}").json());
        answers.add(api().get("/admin/api-keys").json());
        String refused = api().post("/identify", "{\"identifiers\":{\"email\":\"ts-dead@example.com\"},\"traits\":{\"refuse\":true}}")
                .json().path("id").asText();
        Awaits.until(Duration.ofSeconds(30), () -> api().get("/sync/dead-letters").json().path("data").size() > 0);
        answers.add(api().get("/sync/dead-letters").json());
        answers.add(api().get("/identify/" + id + "/sync").json());
        answers.add(api().get("/sync/destinations").json());
        answers.add(api().delete("/identify/" + refused).json());
        answers.add(api().get("/erasures/" + refused).json());
        answers.add(api().get("/erasures").json());
        Awaits.until(Duration.ofSeconds(30), () -> hook.findAll(postRequestedFor(urlEqualTo("/hook"))).stream()
                .anyMatch(r -> r.getBodyAsString().contains("profile.erase")));
        for (LoggedRequest delivery : hook.findAll(postRequestedFor(urlEqualTo("/hook")))) {
            answers.add(Api.json(delivery.getBodyAsString()));
        }

        List<String> timestamps = new ArrayList<>();
        answers.forEach(a -> collect(a, timestamps));
        assertTrue(timestamps.size() >= 15, "timestamps found: " + timestamps);
        List<String> wrong = timestamps.stream().filter(t -> !THE_FORMAT.matcher(t).matches()).toList();
        assertEquals(List.of(), wrong, "every timestamp is UTC with Z and milliseconds");
    }

    @Test
    void everyListingHasSearchsPagingShapeAndErasuresListsAll() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(api().post("/identify", "{\"identifiers\":{\"email\":\"page" + i + "@example.com\"}}")
                    .json().path("id").asText());
        }
        ids.forEach(userId -> assertEquals(202, api().delete("/identify/" + userId).status()));
        // With its erasure events delivered, an erasure is completed; without status, the listing shows it too.
        Awaits.until(Duration.ofSeconds(30), () -> api().get("/erasures?status=completed&limit=100").json()
                .path("data").size() >= 3);

        JsonNode first = api().get("/erasures?limit=2").json();
        assertShape(first, "/erasures?", true);
        JsonNode second = api().get(first.path("meta").path("nextPageUrl").asText()).json();
        assertShape(second, "/erasures?", false);
        List<String> listed = new ArrayList<>();
        first.path("data").forEach(r -> listed.add(r.path("userId").asText()));
        second.path("data").forEach(r -> listed.add(r.path("userId").asText()));
        assertTrue(listed.containsAll(ids), "GET /erasures without status lists completed ones too: " + listed);

        assertShape(api().get("/sync/dead-letters?limit=5").json(), "/sync/dead-letters?", false);
        assertShape(api().get("/identify?email=page0@example.com&limit=5").json(), "/identify?", false);
    }

    @Test
    void apiKeysPageLikeEveryOtherListing() {
        Set<String> issued = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            issued.add(api().post("/admin/api-keys", "{\"name\":\"page" + i + "\",\"scopes\":[\"profiles:read\"]}")
                    .json().path("id").asText());
        }
        Set<String> listed = new HashSet<>();
        String url = "/admin/api-keys?limit=2";
        int pages = 0;
        while (url != null) {
            JsonNode page = api().get(url).json();
            JsonNode next = page.path("meta").path("nextPageUrl");
            assertShape(page, "/admin/api-keys?", next.isTextual());
            assertTrue(page.path("data").size() <= 2, page.toString());
            page.path("data").forEach(k -> assertTrue(listed.add(k.path("id").asText()), "listed twice: " + k));
            url = next.isTextual() ? next.asText() : null;
            pages++;
        }
        assertTrue(pages >= 2, "the bootstrap key and three more make at least two pages of two");
        assertTrue(listed.containsAll(issued), "every key is on some page: " + listed);
        assertProblem(api().get("/admin/api-keys?limit=0"), 400, "limit");
        assertProblem(api().get("/admin/api-keys?pageToken=%21%21"), 400, "pageToken");
    }

    private static void assertShape(JsonNode page, String path, boolean more) {
        assertTrue(page.path("data").isArray(), page.toString());
        assertEquals(more, page.has("nextPageToken"), "nextPageToken only when there is a next page: " + page);
        JsonNode meta = page.path("meta");
        assertTrue(meta.path("limit").isInt(), page.toString());
        assertTrue(meta.path("url").asText().startsWith(path), page.toString());
        assertEquals(more, meta.path("nextPageUrl").isTextual(), page.toString());
        assertTrue(meta.has("previousPageUrl"), page.toString());
    }

    private static void collect(JsonNode node, List<String> into) {
        if (node.isTextual() && ANY_TIMESTAMP.matcher(node.asText()).matches()) {
            into.add(node.asText());
        }
        node.forEach(child -> collect(child, into));
        assertFalse(node.isMissingNode());
    }
}
