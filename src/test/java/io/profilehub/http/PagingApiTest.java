package io.profilehub.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every listing reads {@code limit} and {@code pageToken} the same way (http/PageRequest) and pages with the same
 * signed tokens (http/PageTokens): a token only continues the listing, filters and workspace it was issued for.
 */
@MicronautTest(transactional = false)
class PagingApiTest extends ServiceTest {
    private static final List<String> LISTINGS = List.of("/identify", "/admin/api-keys", "/erasures",
            "/sync/dead-letters");
    private final String otherWorkspace = "ws_other_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_other_" + UUID.randomUUID().toString().replace("-", "");

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.bootstrap.keys[0].workspace", otherWorkspace,
                "profilehub.bootstrap.keys[0].key", otherKey);
    }

    @Test
    void everyListingRefusesALimitOutsideOneToAHundredTheSameWay() {
        for (String listing : LISTINGS) {
            for (String limit : List.of("0", "101", "", "%205", "1.5", "abc", "%00", "99999999999")) {
                assertProblem(api().get(listing + "?limit=" + limit), 400, "'limit' must be a whole number from 1 to 100");
            }
            assertProblem(api().get(listing + "?limit=1&limit=2"), 400, "'limit'", "once");
            assertProblem(api().get(listing + "?pageToken=a&pageToken=b"), 400, "'pageToken'", "once");
            assertEquals(100, api().get(listing + "?limit=100").json().path("meta").path("limit").asInt(), listing);
            assertEquals(50, api().get(listing).json().path("meta").path("limit").asInt(), listing);
        }
    }

    @Test
    void aTokenContinuesOnlyTheListingFiltersAndWorkspaceItWasIssuedFor() {
        for (int i = 0; i < 3; i++) {
            assertEquals(201, api().post("/admin/api-keys", "{\"name\":\"paging-" + i + "\",\"scopes\":[\"admin\"]}")
                    .status());
        }
        JsonNode first = api().get("/admin/api-keys?limit=1").json();
        String token = first.path("nextPageToken").asText();
        assertTrue(token.startsWith("ey"), "one token scheme, base64url JSON: " + first);
        JsonNode second = api().get("/admin/api-keys?limit=1&pageToken=" + token).json();
        assertFalse(second.path("data").get(0).path("id").asText().equals(first.path("data").get(0).path("id").asText()));
        assertEquals("/admin/api-keys?limit=1&pageToken=" + token, second.path("meta").path("url").asText());

        // Another listing, another workspace, or a token edited by hand.
        assertProblem(api().get("/erasures?pageToken=" + token), 400, "'pageToken'", "not issued for this listing");
        assertProblem(api().get("/sync/dead-letters?pageToken=" + token), 400, "'pageToken'");
        assertProblem(api().withKey(otherKey).get("/admin/api-keys?limit=1&pageToken=" + token), 400, "'pageToken'");
        String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        String edited = Base64.getUrlEncoder().withoutPadding().encodeToString(
                decoded.replace("\"a\":\"key_", "\"a\":\"key_0").getBytes(StandardCharsets.UTF_8));
        assertProblem(api().get("/admin/api-keys?limit=1&pageToken=" + edited), 400, "'pageToken'");
        assertProblem(api().get("/admin/api-keys?pageToken=bm9wZQ"), 400, "'pageToken' is malformed");
    }

    @Test
    void aListingTokenIsBoundToItsFilters() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = api().post("/identify", "{\"identifiers\":{\"email\":\"paging-" + i + "@example.com\"}}")
                    .json().path("id").asText();
            assertEquals(202, api().delete("/identify/" + id).status());
            ids.add(id);
        }
        JsonNode page = api().get("/erasures?limit=1").json();
        String token = page.path("nextPageToken").asText();
        assertEquals(200, api().get("/erasures?limit=1&pageToken=" + token).status());
        assertProblem(api().get("/erasures?status=completed&limit=1&pageToken=" + token), 400, "'pageToken'");
        assertProblem(api().get("/erasures?status=in_progress&limit=1&pageToken=" + token), 400, "'pageToken'");
        List<String> listed = new ArrayList<>();
        String next = "/erasures?limit=1";
        while (next != null) {
            JsonNode p = api().get(next).json();
            p.path("data").forEach(r -> listed.add(r.path("userId").asText()));
            next = p.path("meta").path("nextPageUrl").isTextual() ? p.path("meta").path("nextPageUrl").asText() : null;
        }
        assertEquals(ids.stream().sorted().toList(), listed, "the pages hold every erasure once, by id");
    }
}
