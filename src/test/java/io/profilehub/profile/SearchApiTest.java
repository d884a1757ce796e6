package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** GET /identify: filters, matching rules, keyset pagination, page links and page tokens. */
@MicronautTest(transactional = false)
class SearchApiTest extends ServiceTest {
    private final String otherWorkspace = "ws_other_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_other_" + UUID.randomUUID().toString().replace("-", "");

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.bootstrap.keys[0].workspace", otherWorkspace,
                "profilehub.bootstrap.keys[0].key", otherKey);
    }

    @Test
    void dottedNamesFilterOnNestedObjects() {
        String tag = tag();
        String doe = create("{\"tag\":\"" + tag + "\",\"name\":{\"first\":\"John\",\"last\":\"Doe\"}}");
        String roe = create("{\"tag\":\"" + tag + "\",\"name\":{\"first\":\"Jane\",\"last\":\"Roe\"}}");
        create("{\"tag\":\"" + tag + "\",\"name\":\"Doe\"}");
        create("{\"tag\":\"" + tag + "\",\"last\":\"Doe\"}");

        assertEquals(Set.of(doe), ids(search("tag=" + tag + "&name.last=Doe")));
        assertEquals(Set.of(roe), ids(search("tag=" + tag + "&name.first=Jane")));
        assertEquals(Set.of(), ids(search("tag=" + tag + "&name.last=Smith")));
        assertEquals(Set.of(), ids(search("tag=" + tag + "&name.last.x=Doe")));
    }

    @Test
    void valuesMatchStringsAndTheNumbersOrBooleansTheySpell() {
        String tag = tag();
        String number = create("{\"tag\":\"" + tag + "\",\"age\":42}");
        String text = create("{\"tag\":\"" + tag + "\",\"age\":\"42\"}");
        create("{\"tag\":\"" + tag + "\",\"age\":\"042\"}");
        create("{\"tag\":\"" + tag + "\",\"age\":420}");
        create("{\"tag\":\"" + tag + "\",\"age\":42.5}");
        String yes = create("{\"tag\":\"" + tag + "\",\"vip\":true}");
        String yesText = create("{\"tag\":\"" + tag + "\",\"vip\":\"true\"}");
        create("{\"tag\":\"" + tag + "\",\"vip\":\"TRUE\"}");
        create("{\"tag\":\"" + tag + "\",\"vip\":1}");
        String nested = create("{\"tag\":\"" + tag + "\",\"stats\":{\"score\":7.25}}");

        assertEquals(Set.of(number, text), ids(search("tag=" + tag + "&age=42")));
        assertEquals(Set.of(yes, yesText), ids(search("tag=" + tag + "&vip=true")));
        assertEquals(Set.of(nested), ids(search("tag=" + tag + "&stats.score=7.25")));
    }

    @Test
    void numbersNoProfileCanHoldStillMatchAsText() {
        String tag = tag();
        String huge = create("{\"tag\":\"" + tag + "\",\"age\":\"1e999999999\"}");
        assertEquals(Set.of(huge), ids(search("tag=" + tag + "&age=1e999999999")));
        assertEquals(Set.of(), ids(search("tag=" + tag + "&age=1e99999999999")));
        assertEquals(Set.of(), ids(search("tag=" + tag + "&age=1e-20000")));
    }

    @Test
    void everyFilterMustMatch() {
        String tag = tag();
        String both = create("{\"tag\":\"" + tag + "\",\"plan\":\"pro\",\"country\":\"NO\"}");
        create("{\"tag\":\"" + tag + "\",\"plan\":\"pro\",\"country\":\"SE\"}");
        create("{\"tag\":\"" + tag + "\",\"plan\":\"free\",\"country\":\"NO\"}");

        assertEquals(Set.of(both), ids(search("tag=" + tag + "&plan=pro&country=NO")));
        assertEquals(2, ids(search("tag=" + tag + "&plan=pro")).size());
        assertEquals(Set.of(), ids(search("tag=" + tag + "&plan=pro&country=NO&missing=x")));
    }

    @Test
    void noFiltersListsEveryProfileOfTheWorkspaceAndNoOther() {
        create("{\"tag\":\"" + tag() + "\"}");
        Api.Response foreign = api().withKey(otherKey).post("/identify", "{\"identifiers\":{\"tag\":\"foreign\"}}");
        assertEquals(201, foreign.status(), foreign.body());

        Set<String> listed = new HashSet<>();
        String token = null;
        for (int pages = 0; pages < 1000; pages++) {
            JsonNode page = search("limit=100" + (token == null ? "" : "&pageToken=" + token));
            page.path("data").forEach(p -> assertTrue(listed.add(p.path("id").asText()), "listed twice: " + p));
            token = page.path("nextPageToken").asText(null);
            if (token == null) {
                break;
            }
        }
        Set<String> stored = new HashSet<>(Rows.strings(
                "select id from profilehub.profiles where workspace_id = ?", workspace));
        assertEquals(stored, listed);
        assertFalse(listed.contains(foreign.json().path("id").asText()));
    }

    @Test
    void uniqueKeysMatchAfterTheSameNormalizationAsWrites() {
        String tag = tag();
        String id = create("{\"tag\":\"" + tag + "\",\"email\":\"Mixed.Case-" + tag + "@Example.COM\",\"nick\":\"Ann\"}");

        assertEquals(Set.of(id), ids(search("email=mixed.case-" + tag + "%40example.com")));
        assertEquals(Set.of(id), ids(search("email=%20%20MIXED.CASE-" + tag + "@EXAMPLE.com%20")));
        // Only the configured case-insensitive keys are normalized; other identifiers match exactly.
        assertEquals(Set.of(), ids(search("tag=" + tag + "&nick=ann")));
        assertEquals(Set.of(id), ids(search("tag=" + tag + "&nick=Ann")));
    }

    @Test
    void percentEncodedPlusFindsPhoneNumbers() {
        String tag = tag();
        String digits = String.valueOf(Math.abs(UUID.randomUUID().getMostSignificantBits()) % 1_000_000_000L);
        String phone = create("{\"tag\":\"" + tag + "\",\"phoneNumber\":\"+47" + digits + "\"}");
        String nested = create("{\"tag\":\"" + tag + "\",\"contact\":{\"mobile\":\"+46" + digits + "\"}}");

        JsonNode page = search("phoneNumber=%2B47" + digits);
        assertEquals(Set.of(phone), ids(page));
        assertTrue(page.path("meta").path("url").asText().contains("phoneNumber=%2B47" + digits),
                "the page URL keeps the + encoded: " + page.path("meta"));
        assertEquals(Set.of(nested), ids(search("tag=" + tag + "&contact.mobile=%2B46" + digits)));
    }

    @Test
    void paginationNeitherRepeatsNorSkipsWhileProfilesAreInsertedAndDeleted() {
        String tag = tag();
        Set<String> existing = new LinkedHashSet<>();
        for (int i = 0; i < 23; i++) {
            existing.add(create("{\"tag\":\"" + tag + "\",\"n\":" + i + "}"));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonNode page = search("tag=" + tag + "&limit=5" + (token == null ? "" : "&pageToken=" + token));
            assertTrue(page.path("data").size() <= 5, page.toString());
            page.path("data").forEach(p -> seen.add(p.path("id").asText()));
            // Profiles created between pages land anywhere in id order, before the cursor or after it; deleting one
            // already seen shifts every later profile down by one, which offset paging would turn into a skip.
            create("{\"tag\":\"" + tag + "\",\"late\":" + pages + "}");
            create("{\"tag\":\"" + tag + "\",\"late\":" + pages + ",\"second\":true}");
            if (!page.path("data").isEmpty()) {
                assertEquals(202, api().delete("/identify/" + page.path("data").get(0).path("id").asText()).status());
            }
            token = page.path("nextPageToken").asText(null);
            if (++pages > 40) {
                fail("pagination did not end: " + seen.size() + " profiles seen");
            }
        } while (token != null);

        assertEquals(seen.size(), new HashSet<>(seen).size(), "a profile came twice: " + seen);
        assertTrue(seen.containsAll(existing), "skipped: " + existing.stream().filter(id -> !seen.contains(id)).toList());
        assertEquals(seen.stream().sorted().toList(), seen, "keyset pages come in id order");
    }

    @Test
    void pageLinksLeadToTheNeighbouringPages() {
        String tag = tag();
        for (int i = 0; i < 7; i++) {
            create("{\"tag\":\"" + tag + "\",\"n\":" + i + "}");
        }
        JsonNode first = search("tag=" + tag + "&limit=3");
        JsonNode meta = first.path("meta");
        assertEquals(3, meta.path("limit").asInt());
        assertEquals("/identify?tag=" + tag + "&limit=3", meta.path("url").asText());
        assertTrue(meta.path("previousPageUrl").isNull(), "no page before the first: " + meta);
        assertTrue(first.path("nextPageToken").asText().startsWith("ey"), first.toString());

        JsonNode second = follow(meta.path("nextPageUrl").asText());
        assertEquals(ids(second), ids(search("tag=" + tag + "&limit=3&pageToken=" + first.path("nextPageToken").asText())));
        assertEquals(ids(second), ids(follow(second.path("meta").path("url").asText())), "url names the page itself");
        assertEquals(3, second.path("data").size());
        assertEquals(ids(first), ids(follow(second.path("meta").path("previousPageUrl").asText())));

        JsonNode last = follow(second.path("meta").path("nextPageUrl").asText());
        assertEquals(1, last.path("data").size());
        assertFalse(last.has("nextPageToken"), "the last page has no token: " + last);
        assertTrue(last.path("meta").path("nextPageUrl").isNull(), last.toString());

        JsonNode backToSecond = follow(last.path("meta").path("previousPageUrl").asText());
        assertEquals(ids(second), ids(backToSecond));
        JsonNode backToFirst = follow(backToSecond.path("meta").path("previousPageUrl").asText());
        assertEquals(ids(first), ids(backToFirst));
        assertTrue(backToFirst.path("meta").path("previousPageUrl").isNull(), "first page reached going back");
        assertEquals(ids(second), ids(follow(backToFirst.path("meta").path("nextPageUrl").asText())));
    }

    @Test
    void pageTokensOnlyWorkForTheSearchThatIssuedThem() {
        String tag = tag();
        for (int i = 0; i < 3; i++) {
            create("{\"tag\":\"" + tag + "\",\"group\":\"g\"}");
        }
        String token = search("tag=" + tag + "&limit=1").path("nextPageToken").asText();
        assertEquals(2, search("tag=" + tag + "&limit=2&pageToken=" + token).path("data").size(),
                "limit is not a filter: the token still serves with another page size");

        assertProblem(api().get("/identify?tag=" + tag + "&group=g&limit=1&pageToken=" + token), 400, "pageToken");
        assertProblem(api().get("/identify?tag=other&limit=1&pageToken=" + token), 400, "pageToken");
        assertProblem(api().get("/identify?limit=1&pageToken=" + token), 400, "pageToken");
        assertProblem(api().withKey(otherKey).get("/identify?tag=" + tag + "&limit=1&pageToken=" + token), 400,
                "pageToken");

        // Pointing the cursor at another id while keeping the signature.
        ObjectNode decoded = (ObjectNode) Api.json(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
        decoded.put("a", "usr_0000000000000000");
        String moved = Base64.getUrlEncoder().withoutPadding().encodeToString(decoded.toString().getBytes(StandardCharsets.UTF_8));
        assertProblem(api().get("/identify?tag=" + tag + "&limit=1&pageToken=" + moved), 400, "pageToken");

        String flipped = token.substring(0, token.length() - 3)
                + (token.charAt(token.length() - 3) == 'A' ? 'B' : 'A') + token.substring(token.length() - 2);
        assertProblem(api().get("/identify?tag=" + tag + "&limit=1&pageToken=" + flipped), 400, "pageToken");
        assertProblem(api().get("/identify?tag=" + tag + "&limit=1&pageToken=eyNOTATOKEN"), 400, "pageToken");
        assertProblem(api().get("/identify?tag=" + tag + "&limit=1&pageToken=%00"), 400, "pageToken");
    }

    @Test
    void limitDefaultsToFiftyAndAcceptsOneToHundred() {
        assertEquals(50, search("").path("meta").path("limit").asInt());
        assertEquals(1, search("limit=1").path("data").size());
        assertEquals(100, search("limit=100").path("meta").path("limit").asInt());
    }

    @Test
    void eachFilterMayBeGivenOnce() {
        assertProblem(api().get("/identify?tag=a&tag=b"), 400, "tag", "2 times");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static String tag() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private String create(String identifiers) {
        Api.Response r = api().post("/identify", "{\"identifiers\":" + identifiers + "}");
        assertEquals(201, r.status(), r.body());
        return r.json().path("id").asText();
    }

    private JsonNode search(String query) {
        return follow("/identify" + (query.isEmpty() ? "" : "?" + query));
    }

    /** Requests a relative URL exactly as the service wrote it. */
    private JsonNode follow(String relativeUrl) {
        Api.Response r = api().get(relativeUrl);
        assertEquals(200, r.status(), relativeUrl + ": " + r.body());
        assertNotNull(r.json());
        return r.json();
    }

    private static Set<String> ids(JsonNode page) {
        Set<String> ids = new LinkedHashSet<>();
        page.path("data").forEach(p -> ids.add(p.path("id").asText()));
        return ids;
    }
}
