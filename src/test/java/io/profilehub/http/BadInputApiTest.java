package io.profilehub.http;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Every way a request can be wrong gets its 4xx as problem+json with a detail that says what to fix, and writes
 * nothing: the workspace's rows (profiles, versions, identity keys, API keys, outbox) are the same afterwards.
 */
@MicronautTest(transactional = false)
class BadInputApiTest extends ServiceTest {
    private static final String JSON = "application/json";
    private static final String ID_FORM = "usr_[A-Za-z0-9]{16}";

    /** A bad body and what the answer must say. */
    private record Bad(String body, int status, String... hints) {
    }

    private String id;

    @Override
    protected Map<String, String> extraProperties() {
        // The body limits are checked here; the profile size limit (256 KiB by default) has tests of its own.
        return Map.of("profilehub.limits.max-profile-bytes", String.valueOf(4 * 1024 * 1024));
    }

    @BeforeAll
    void createTheProfileTheWritesAimAt() {
        Api.Response r = api().post("/identify",
                "{\"identifiers\":{\"email\":\"target@example.com\",\"name\":{\"last\":\"Lee\"}},\"traits\":{\"plan\":\"pro\"}}");
        assertEquals(201, r.status(), r.body());
        id = r.json().path("id").asText();
    }

    @Test
    void theFootprintSeesEveryKindOfWrite() {
        String before = Rows.footprint(workspace);
        assertEquals(200, api().post("/track/" + id, "{\"traits\":{\"seen\":" + System.nanoTime() + "}}").status());
        assertNotEquals(before, Rows.footprint(workspace), "an update must show, or 'nothing written' proves nothing");
    }

    @Test
    void bodiesThatAreNotAJsonObject() {
        List<Bad> bad = List.of(
                new Bad("{\"traits\":", 400, "not valid JSON"),
                new Bad("{\"traits\":{}} {}", 400, "not valid JSON"),
                new Bad("{'traits':{}}", 400, "not valid JSON"),
                new Bad("{\"traits\":{\"a\":1,\"a\":2}}", 400, "Duplicate", "'a'"),
                new Bad("{\"traits\":{\"a\":\"x\u0000y\"}}", 400, "not valid JSON"),
                new Bad("[]", 400, "JSON object", "an array"),
                new Bad("\"traits\"", 400, "JSON object", "a string"),
                new Bad("42", 400, "JSON object", "a number"),
                new Bad("null", 400, "JSON object", "null"),
                new Bad("true", 400, "JSON object", "a boolean"),
                new Bad("", 400, "empty"),
                new Bad("   \n", 400, "empty"));
        for (String path : writePaths()) {
            for (Bad b : bad) {
                assertRefused(path, forPath(path, b.body()), JSON, b.status(), b.hints());
            }
        }
    }

    @Test
    void membersOfTheWrongType() {
        List<Bad> traits = List.of(
                new Bad("{\"traits\":[]}", 400, "'traits'", "JSON object", "an array"),
                new Bad("{\"traits\":\"gold\"}", 400, "'traits'", "a string"),
                new Bad("{\"traits\":7}", 400, "'traits'", "a number"),
                new Bad("{\"traits\":false}", 400, "'traits'", "a boolean"),
                new Bad("{\"traits\":{},\"extra\":1}", 400, "Unknown member 'extra'"));
        for (String path : writePaths()) {
            for (Bad b : traits) {
                assertRefused(path, forPath(path, b.body()), JSON, b.status(), b.hints());
            }
        }
        List<Bad> identifiers = List.of(
                new Bad("{\"identifiers\":[\"a\"]}", 400, "'identifiers'", "JSON object", "an array"),
                new Bad("{\"identifiers\":\"ann@example.com\"}", 400, "'identifiers'", "a string"),
                new Bad("{\"identifiers\":1}", 400, "'identifiers'", "a number"),
                new Bad("{\"identifiers\":true}", 400, "'identifiers'", "a boolean"));
        for (Bad b : identifiers) {
            assertRefused("/identify", b.body(), JSON, b.status(), b.hints());
            assertRefused("/identify/" + id, b.body(), JSON, b.status(), b.hints());
        }
        // /track merges traits only.
        assertRefused("/track/" + id, "{\"identifiers\":{\"k\":1}}", JSON, 400, "Unknown member 'identifiers'");
    }

    @Test
    void identifyNeedsNonEmptyIdentifiers() {
        for (String body : List.of("{}", "{\"traits\":{\"a\":1}}", "{\"identifiers\":{}}", "{\"identifiers\":null}")) {
            assertRefused("/identify", body, JSON, 400, "'identifiers'", "non-empty");
        }
    }

    @Test
    void stringsAndKeysWithUPlus0000() {
        List<String> bodies = List.of(
                "{\"traits\":{\"a\":\"x\\u0000y\"}}",
                "{\"traits\":{\"a\\u0000b\":1}}",
                "{\"traits\":{\"deep\":{\"list\":[\"ok\",\"\\u0000\"]}}}",
                "{\"traits\":{\"deep\":{\"k\\u0000\":{}}}}");
        for (String path : writePaths()) {
            for (String body : bodies) {
                assertRefused(path, forPath(path, body), JSON, 400, "U+0000");
            }
        }
        assertRefused("/identify", "{\"identifiers\":{\"email\":\"a\\u0000@example.com\"}}", JSON, 400,
                "'identifiers.email'", "U+0000");
        assertRefused("/identify/" + id, "{\"identifiers\":{\"name\":{\"last\":\"\\u0000\"}}}", JSON, 400,
                "'identifiers.name.last'", "U+0000");
        assertRefused("/identify", "{\"identifiers\":{\"k\":1},\"tra\\u0000its\":{}}", JSON, 400, "Unknown member");
    }

    @Test
    void nestingDeeperThan32Levels() {
        // Every value counts as a level and 'traits' itself is the first: a value may sit at level 32, not 33.
        String fits = "{\"traits\":" + nested(30, "{\"leaf\":1}") + "}";
        String tooDeep = "{\"traits\":" + nested(31, "{\"leaf\":1}") + "}";
        String arrays = "{\"traits\":{\"a\":" + "[".repeat(40) + "1" + "]".repeat(40) + "}}";
        for (String path : writePaths()) {
            assertRefused(path, forPath(path, tooDeep), JSON, 400, "nested deeper than 32");
            assertRefused(path, forPath(path, arrays), JSON, 400, "nested deeper than 32");
        }
        assertRefused("/identify", "{\"identifiers\":" + nested(31, "{\"leaf\":1}") + "}", JSON, 400,
                "'identifiers.", "nested deeper than 32");
        assertRefused("/identify", "{\"identifiers\":" + nested(5000, "1") + "}", JSON, 400, "nesting depth");
        assertEquals(200, api().post("/track/" + id, fits).status(), "32 levels are allowed");
    }

    @Test
    void keysLongerThan256Characters() {
        String key257 = "k".repeat(257);
        for (String path : writePaths()) {
            assertRefused(path, forPath(path, "{\"traits\":{\"" + key257 + "\":1}}"), JSON, 400, "257", "256");
            assertRefused(path, forPath(path, "{\"traits\":{\"nested\":{\"" + key257 + "\":1}}}"), JSON, 400, "'traits.nested'", "256");
        }
        assertRefused("/identify", "{\"identifiers\":{\"" + key257 + "\":\"v\"}}", JSON, 400, "'identifiers'", "256");
        assertRefused("/identify", "{\"identifiers\":{\"\":\"v\"}}", JSON, 400, "empty key");
        Api.Response fits = api().post("/track/" + id, "{\"traits\":{\"" + "k".repeat(256) + "\":1}}");
        assertEquals(200, fits.status(), "256 characters are allowed: " + fits.body());
    }

    @Test
    void numbersOutsideWhatCanBeStored() {
        // jsonb gives numbers back written out in full; past 1000 digits they could be stored but not read back.
        for (String number : List.of("1e999999999", "-1e200000", "1e-20000", "1e1000", "-1e-1000", "12.5e999")) {
            for (String path : writePaths()) {
                assertRefused(path, forPath(path, "{\"traits\":{\"n\":" + number + "}}"), JSON, 400, "'traits.n'", "number");
            }
            assertRefused("/identify", "{\"identifiers\":{\"big\":{\"n\":[" + number + "]}}}", JSON, 400,
                    "'identifiers.big.n[]'", "number");
        }
        String edge = "{\"traits\":{\"huge\":-" + "9".repeat(1000) + ",\"big\":1e999,\"tiny\":1e-999}}";
        Api.Response kept = api().post("/track/" + id, edge);
        assertEquals(200, kept.status(), "numbers of 1000 digits are kept: " + kept.body());
        assertEquals(200, api().get("/identify/" + id).status(), "and read back");
    }

    @Test
    void bodiesOverOneMebibyte() {
        for (String path : allBodyPaths()) {
            assertRefused(path, bodyOfSize(1024 * 1024 + 1), JSON, 413, "1048576");
            assertRefused(path, bodyOfSize(3 * 1024 * 1024), JSON, 413, "larger");
        }
        Api.Response exactly = api().post("/track/" + id, bodyOfSize(1024 * 1024));
        assertEquals(200, exactly.status(), "a body of exactly 1 MiB is accepted");
    }

    @Test
    void bodiesThatAreNotJson() {
        for (String path : allBodyPaths()) {
            String body = path.startsWith("/admin") ? "{\"name\":\"n\",\"scopes\":[\"admin\"]}" : "{\"traits\":{\"a\":1}}";
            assertRefused(path, body, "text/plain", 415, "application/json", "text/plain");
            assertRefused(path, "traits=a", "application/x-www-form-urlencoded", 415, "application/json");
            assertRefused(path, body, "application/xml", 415, "application/json");
            assertRefused(path, body, null, 415, "application/json", "none was sent");
        }
    }

    @Test
    void malformedUserIds() {
        List<String> ids = List.of("usr_short", "usr_AAAAAAAAAAAAAAAAA", "USR_AAAAAAAAAAAAAAAA", "usr_AAAAAAAAAAAAAAA-",
                "usr_AAAAAAAAAAAAAAA%00", "usr_AAAAAAAAAAAAAAA%C3%A9", "123", "x".repeat(2000));
        for (String bad : ids) {
            for (String[] call : List.of(new String[]{"GET", "/identify/"}, new String[]{"DELETE", "/identify/"},
                    new String[]{"POST", "/identify/"}, new String[]{"POST", "/track/"})) {
                String before = Rows.footprint(workspace);
                String body = call[0].equals("POST") ? "{\"traits\":{\"a\":1}}" : null;
                Api.Response r = api().send(call[0], call[1] + bad, body,
                        body == null ? Map.of() : Map.of("Content-Type", JSON));
                assertProblem(r, 400, ID_FORM);
                assertEquals(before, Rows.footprint(workspace), call[0] + " " + call[1] + bad);
            }
        }
    }

    @Test
    void operatorIdsAndFiltersWithUPlus0000OrOfTheWrongForm() {
        // Each of these reached PostgreSQL, which cannot hold U+0000 in text, and answered 500.
        assertProblem(api().get("/sync/backfills/bf_AAAAAAAAAAAAAAA%00"), 400, "bf_[A-Za-z0-9]{16}");
        assertProblem(api().get("/sync/backfills/nope"), 400, "bf_[A-Za-z0-9]{16}");
        assertProblem(api().delete("/suppressions/" + "a".repeat(63) + "%00"), 400, "64 lowercase hex");
        assertProblem(api().delete("/suppressions/" + "A".repeat(64)), 400, "64 lowercase hex");
        assertProblem(api().get("/sync/dead-letters?destination=hook%00"), 400, "'destination'", "U+0000");
        assertProblem(api().get("/sync/backfills/bf_AAAAAAAAAAAAAAAA"), 404, "bf_AAAAAAAAAAAAAAAA");
        assertProblem(api().delete("/suppressions/" + "a".repeat(64)), 404, "a".repeat(64));
    }

    @Test
    void deadLetterTimesOutsideTheRangeAre400SayingTheRange() {
        // Far-past and far-future instants parse in Java but not in PostgreSQL, which answered 500.
        for (String time : List.of("-100000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "+100000-01-01T00:00:00Z",
                "+10000-01-01T00:00:00Z")) {
            for (String name : List.of("since", "until")) {
                String query = name + "=" + time.replace("+", "%2B");
                assertProblem(api().get("/sync/dead-letters?" + query), 400, "'" + name + "'",
                        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z");
                assertProblem(api().post("/sync/destinations/hook/dead-letters/retry?" + query, ""), 400,
                        "'" + name + "'", "9999-12-31T23:59:59.999Z");
            }
        }
        for (String edge : List.of("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z")) {
            assertEquals(200, api().get("/sync/dead-letters?since=" + edge).status(), edge);
            assertEquals(200, api().get("/sync/dead-letters?until=" + edge).status(), edge);
        }
    }

    @Test
    void searchParametersOutOfRange() {
        for (String limit : List.of("0", "101", "-1", "abc", "1.5", "", "%00", "99999999999")) {
            assertProblem(api().get("/identify?limit=" + limit), 400, "'limit'", "1 to 100");
        }
        assertProblem(api().get("/identify?email=a%00b"), 400, "'email'", "U+0000");
        assertProblem(api().get("/identify?na%00me=x"), 400, "U+0000");
        assertProblem(api().get("/identify?name.last=Lee%00"), 400, "'name.last'", "U+0000");
        assertProblem(api().get("/identify?" + "k".repeat(257) + "=x"), 400, "too long", "256");
        // The HTTP layer refuses a request line over 4096 bytes before the search sees it.
        assertProblem(api().get("/identify?k=" + "v".repeat(5000)), 413, "URL");
        assertProblem(api().get("/identify?name..last=x"), 400, "name.last");
        assertProblem(api().get("/identify?.x=1"), 400, "not a valid identifier path");
        assertProblem(api().get("/identify?" + String.join(".", Collections.nCopies(33, "a")) + "=1"), 400,
                "nested deeper than 32");
        assertProblem(api().get("/identify?pageToken=not-a-token"), 400, "'pageToken'");
    }

    @Test
    void ifMatchThatNamesNoCurrentVersion() {
        long version = api().get("/identify/" + id).json().path("version").asLong();
        for (String tag : List.of("\"" + (version - 1) + "\"", "\"" + (version + 1) + "\"", "W/\"0\"", "abc", "\"1.0\"")) {
            for (String path : List.of("/identify/" + id, "/track/" + id)) {
                String before = Rows.footprint(workspace);
                Api.Response r = api().send("POST", path, "{\"traits\":{\"stale\":true}}",
                        Map.of("Content-Type", JSON, "If-Match", tag));
                assertProblem(r, 412, "If-Match");
                assertEquals(before, Rows.footprint(workspace), path + " with If-Match " + tag);
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private List<String> writePaths() {
        return List.of("/identify", "/identify/" + id, "/track/" + id);
    }

    private List<String> allBodyPaths() {
        List<String> paths = new ArrayList<>(writePaths());
        paths.add("/admin/api-keys");
        return paths;
    }

    /**
     * For POST /identify, puts valid identifiers in front of a body that starts with traits, so that only the fault
     * under test can be refused; the other write paths take the body as it is.
     */
    private static String forPath(String path, String body) {
        if (path.equals("/identify") && body.startsWith("{\"traits\"")) {
            return "{\"identifiers\":{\"k\":\"v\"}," + body.substring(1);
        }
        return body;
    }

    /** POSTs the body, expects the problem, and that the workspace's rows did not change. */
    private void assertRefused(String path, String body, String contentType, int status, String... hints) {
        String before = Rows.footprint(workspace);
        HttpRequest.Builder request = api().builder(path)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.getBytes(StandardCharsets.UTF_8)));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        Api.Response r = api().send(request);
        String what = "POST " + path + " " + (body.length() > 120 ? body.substring(0, 120) + "…" : body);
        try {
            assertProblem(r, status, hints);
        } catch (AssertionError e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
        assertEquals(before, Rows.footprint(workspace), what + " wrote something");
    }

    private static String nested(int levels, String innermost) {
        return "{\"a\":".repeat(levels) + innermost + "}".repeat(levels);
    }

    /** A valid /track body of exactly the given number of bytes. */
    private static String bodyOfSize(int bytes) {
        String head = "{\"traits\":{\"pad\":\"";
        String tail = "\"}}";
        return head + "x".repeat(bytes - head.length() - tail.length()) + tail;
    }
}
