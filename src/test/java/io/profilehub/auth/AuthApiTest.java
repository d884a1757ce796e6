package io.profilehub.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * API keys: scopes per endpoint, 401s, revocation, key management, and isolation between workspaces. A webhook
 * destination (serving every workspace) on a WireMock server that refuses upserts with a 'deadLetter' trait gives
 * the sync endpoints real dead letters and backfills to work on.
 */
@MicronautTest(transactional = false)
class AuthApiTest extends ServiceTest {
    private static final List<String> SCOPES = List.of("profiles:read", "profiles:write", "profiles:delete",
            "profiles:export", "admin");

    private final String otherWorkspace = "ws_other_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_other_" + UUID.randomUUID().toString().replace("-", "");
    private final String otherReadWriteKey = "phk_other_rw_" + UUID.randomUUID().toString().replace("-", "");
    private final String otherReadKey = "phk_other_r_" + UUID.randomUUID().toString().replace("-", "");

    /** A request to make, built fresh for each use (ids it needs are created on the way). */
    private record Call(String method, String path, String body) {
    }

    /** An endpoint, the scope it needs, and what it answers a key that has that scope. */
    private record Endpoint(String name, String scope, Supplier<Call> call, int success) {
    }

    private final Map<String, String> onlyKey = new HashMap<>();
    private final Map<String, String> allButKey = new HashMap<>();
    private final WireMockServer hook = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        if (!hook.isRunning()) {
            hook.start();
        }
        Map<String, String> p = new HashMap<>();
        // keys[1] lists its scopes the way a property or environment variable would: one comma-separated string.
        p.putAll(Map.of("profilehub.bootstrap.keys[0].workspace", otherWorkspace,
                "profilehub.bootstrap.keys[0].key", otherKey,
                "profilehub.bootstrap.keys[1].workspace", otherWorkspace,
                "profilehub.bootstrap.keys[1].key", otherReadWriteKey,
                "profilehub.bootstrap.keys[1].scopes", "profiles:read, profiles:write",
                "profilehub.bootstrap.keys[2].workspace", otherWorkspace,
                "profilehub.bootstrap.keys[2].key", otherReadKey,
                "profilehub.bootstrap.keys[2].scopes[0]", "profiles:read"));
        p.put("profilehub.destinations.hook.type", "webhook");
        p.put("profilehub.destinations.hook.url", hook.baseUrl() + "/hook");
        p.put("profilehub.destinations.hook.token", "auth-secret");
        // Serves this workspace alone, so its admin may pause it (hook serves every workspace: operators only).
        p.put("profilehub.destinations.solo.type", "webhook");
        p.put("profilehub.destinations.solo.url", hook.baseUrl() + "/solo");
        p.put("profilehub.destinations.solo.token", "auth-secret");
        p.put("profilehub.destinations.solo.workspaces", workspace);
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.max-delay", "200ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        return p;
    }

    @AfterAll
    void stopHook() {
        hook.stop();
    }

    @BeforeAll
    void createKeysPerScope() {
        hook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        hook.stubFor(post(urlEqualTo("/solo")).willReturn(aResponse().withStatus(200)));
        hook.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.traits.deadLetter")).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"deadLetter is refused\"}")));
        for (String scope : SCOPES) {
            onlyKey.put(scope, createKey("only " + scope, List.of(scope)).path("key").asText());
            allButKey.put(scope, createKey("all but " + scope,
                    SCOPES.stream().filter(s -> !s.equals(scope)).toList()).path("key").asText());
        }
    }

    private List<Endpoint> endpoints() {
        List<Endpoint> all = new ArrayList<>();
        all.add(new Endpoint("create or resolve", "profiles:write",
                () -> new Call("POST", "/identify", "{\"identifiers\":{\"k\":\"" + UUID.randomUUID() + "\"}}"), 201));
        all.add(new Endpoint("search", "profiles:read", () -> new Call("GET", "/identify?k=x", null), 200));
        all.add(new Endpoint("read", "profiles:read", () -> new Call("GET", "/identify/" + profile(), null), 200));
        all.add(new Endpoint("update", "profiles:write",
                () -> new Call("POST", "/identify/" + profile(), "{\"traits\":{\"changed\":true}}"), 200));
        all.add(new Endpoint("track", "profiles:write",
                () -> new Call("POST", "/track/" + profile(), "{\"traits\":{\"tracked\":true}}"), 200));
        all.add(new Endpoint("erase", "profiles:delete", () -> new Call("DELETE", "/identify/" + profile(), null), 202));
        all.add(new Endpoint("erase in bulk", "profiles:delete",
                () -> new Call("POST", "/erasures", "{\"userIds\":[\"" + profile() + "\"]}"), 202));
        all.add(new Endpoint("erasure record", "profiles:delete", () -> new Call("GET", "/erasures/" + erased(), null), 200));
        all.add(new Endpoint("list erasures", "admin", () -> new Call("GET", "/erasures?status=completed", null), 200));
        all.add(new Endpoint("lift suppression", "admin",
                () -> new Call("DELETE", "/suppressions/" + suppression(), null), 204));
        all.add(new Endpoint("profile sync state", "profiles:read",
                () -> new Call("GET", "/identify/" + profile() + "/sync", null), 200));
        all.add(new Endpoint("field history", "profiles:read",
                () -> new Call("GET", "/identify/" + profile() + "/history", null), 200));
        all.add(new Endpoint("subject-access export", "profiles:export",
                () -> new Call("GET", "/identify/" + profile() + "/export", null), 200));
        all.add(new Endpoint("destinations", "admin", () -> new Call("GET", "/sync/destinations", null), 200));
        all.add(new Endpoint("pause", "admin", () -> new Call("POST", "/sync/destinations/solo/pause", null), 200));
        all.add(new Endpoint("resume", "admin", () -> new Call("POST", "/sync/destinations/solo/resume", null), 200));
        all.add(new Endpoint("backfill", "admin", () -> new Call("POST", "/sync/destinations/hook/backfill", null), 202));
        all.add(new Endpoint("backfill status", "admin", () -> new Call("GET", "/sync/backfills/" + backfill(api()), null),
                200));
        all.add(new Endpoint("dead letters", "admin", () -> new Call("GET", "/sync/dead-letters", null), 200));
        all.add(new Endpoint("retry dead letter", "admin",
                () -> new Call("POST", "/sync/dead-letters/" + deadLetter(api()) + "/retry", null), 202));
        all.add(new Endpoint("retry dead letters", "admin",
                () -> new Call("POST", "/sync/destinations/hook/dead-letters/retry", null), 202));
        all.add(new Endpoint("discard dead letter", "admin",
                () -> new Call("DELETE", "/sync/dead-letters/" + deadLetter(api()), null), 204));
        // An admin-only key may grant only admin (ApiKeyGrantsTest covers asking for more).
        all.add(new Endpoint("issue key", "admin",
                () -> new Call("POST", "/admin/api-keys", "{\"name\":\"n\",\"scopes\":[\"admin\"]}"), 201));
        all.add(new Endpoint("list keys", "admin", () -> new Call("GET", "/admin/api-keys", null), 200));
        all.add(new Endpoint("revoke key", "admin", () -> new Call("DELETE", "/admin/api-keys/"
                + createKey("victim", List.of("profiles:read")).path("id").asText(), null), 204));
        return all;
    }

    @Test
    void everyEndpointRefusesAKeyWithoutItsScopeAndWritesNothing() {
        for (Endpoint endpoint : endpoints()) {
            Call call = endpoint.call().get();
            awaitQuiet(workspace);
            String before = footprint();
            Api.Response r = send(allButKey.get(endpoint.scope()), call);
            assertProblem(r, 403, endpoint.scope());
            assertEquals(before, footprint(), endpoint.name() + " wrote despite the 403");
        }
    }

    @Test
    void aKeyWithOnlyTheNeededScopeIsEnough() {
        for (Endpoint endpoint : endpoints()) {
            Api.Response r = send(onlyKey.get(endpoint.scope()), endpoint.call().get());
            assertEquals(endpoint.success(), r.status(), endpoint.name() + ": " + r.body());
            awaitQuiet(workspace); // backfills and retries settle before the next footprint is taken
        }
    }

    @Test
    void everyEndpointButHealthRefusesMissingOrUnknownKeys() {
        Map<String, String> broken = new LinkedHashMap<>();
        broken.put("no header", null);
        broken.put("empty bearer", "Bearer ");
        broken.put("basic", "Basic " + Base64.getEncoder().encodeToString(("x:" + adminKey).getBytes()));
        broken.put("unknown key", "Bearer phk_" + UUID.randomUUID().toString().replace("-", ""));
        for (Endpoint endpoint : endpoints()) {
            Call call = endpoint.call().get();
            for (Map.Entry<String, String> header : broken.entrySet()) {
                String before = Rows.footprint(workspace);
                Map<String, String> headers = new HashMap<>();
                if (header.getValue() != null) {
                    headers.put("Authorization", header.getValue());
                }
                if (call.body() != null) {
                    headers.put("Content-Type", "application/json");
                }
                Api.Response r = new Api(server.getURI(), null).send(call.method(), call.path(), call.body(), headers);
                assertProblem(r, 401, "API key");
                assertEquals("Bearer", r.header("WWW-Authenticate"), endpoint.name() + " / " + header.getKey());
                assertEquals(before, Rows.footprint(workspace), endpoint.name() + " wrote despite the 401");
            }
        }
        assertEquals(200, new Api(server.getURI(), null).get("/health").status());
        assertEquals(200, new Api(server.getURI(), "phk_unknown").get("/health").status());
    }

    @Test
    void theBearerSchemeIsCaseInsensitive() {
        Api.Response r = api().send("GET", "/identify?limit=1", null, Map.of("Authorization", "bearer " + adminKey));
        assertEquals(200, r.status(), r.body());
    }

    @Test
    void aRevokedKeyIsRefusedFromTheNextRequestOn() {
        JsonNode key = createKey("short-lived", List.of("profiles:read"));
        Api holder = api().withKey(key.path("key").asText());
        assertEquals(200, holder.get("/identify?limit=1").status());

        assertEquals(204, api().delete("/admin/api-keys/" + key.path("id").asText()).status());

        assertProblem(holder.get("/identify?limit=1"), 401, "revoked");
        assertFalse(listedIds().contains(key.path("id").asText()));
        assertProblem(api().delete("/admin/api-keys/" + key.path("id").asText()), 404, key.path("id").asText());
    }

    @Test
    void anIssuedKeyShowsItsSecretOnceAndOnlyItsHashIsStored() {
        Api.Response created = api().post("/admin/api-keys",
                "{\"name\":\"reporting\",\"scopes\":[\"profiles:read\",\"profiles:write\",\"profiles:read\"]}");
        assertEquals(201, created.status(), created.body());
        JsonNode key = created.json();
        String secret = key.path("key").asText();
        String id = key.path("id").asText();
        assertTrue(secret.matches("phk_[A-Za-z0-9]{40}"), secret);
        assertTrue(id.matches("key_[A-Za-z0-9]{16}"), id);
        assertEquals("reporting", key.path("name").asText());
        assertEquals(workspace, key.path("workspaceId").asText());
        assertEquals(Api.json("[\"profiles:read\",\"profiles:write\"]"), key.path("scopes"));
        assertTrue(key.path("createdAt").asText().endsWith("Z"), key.toString());

        Api.Response list = api().get("/admin/api-keys");
        assertEquals(200, list.status());
        assertFalse(list.body().contains(secret), "the list must never show a secret");
        JsonNode listed = null;
        for (JsonNode k : list.json().path("data")) {
            assertFalse(k.has("key"), k.toString());
            if (k.path("id").asText().equals(id)) {
                listed = k;
            }
        }
        assertTrue(listed != null, "the new key is listed: " + list.body());
        assertEquals(key.path("scopes"), listed.path("scopes"));
        assertEquals(key.path("createdAt"), listed.path("createdAt"));

        assertEquals(1, Rows.count("select count(*) from profilehub.api_keys where id = ? and key_hash = sha256(?::bytea)",
                id, secret));

        Api holder = api().withKey(secret);
        assertEquals(200, holder.get("/identify?limit=1").status());
        assertEquals(201, holder.post("/identify", "{\"identifiers\":{\"k\":\"by reporting\"}}").status());
        assertProblem(holder.get("/admin/api-keys"), 403, "admin");
    }

    @Test
    void keyRequestsThatAreWrongAreRefusedAndWriteNothing() {
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("{\"scopes\":[\"admin\"]}", "'name'");
        bodies.put("{\"name\":\"  \",\"scopes\":[\"admin\"]}", "'name'");
        bodies.put("{\"name\":\"" + "n".repeat(201) + "\",\"scopes\":[\"admin\"]}", "200");
        bodies.put("{\"name\":42,\"scopes\":[\"admin\"]}", "'name'");
        bodies.put("{\"name\":\"a\\u0000b\",\"scopes\":[\"admin\"]}", "U+0000");
        bodies.put("{\"name\":\"n\"}", "'scopes'");
        bodies.put("{\"name\":\"n\",\"scopes\":[]}", "'scopes'");
        bodies.put("{\"name\":\"n\",\"scopes\":\"admin\"}", "'scopes'");
        bodies.put("{\"name\":\"n\",\"scopes\":[\"superuser\"]}", "superuser");
        bodies.put("{\"name\":\"n\",\"scopes\":[\"admin\\u0000\"]}", "scope");
        bodies.put("{\"name\":\"n\",\"scopes\":[1]}", "scope");
        bodies.put("[\"admin\"]", "JSON object");
        for (Map.Entry<String, String> body : bodies.entrySet()) {
            String before = Rows.footprint(workspace);
            assertProblem(api().post("/admin/api-keys", body.getKey()), 400, body.getValue());
            assertEquals(before, Rows.footprint(workspace), body.getKey());
        }
        assertProblem(api().delete("/admin/api-keys/key_%00"), 400, "key_[A-Za-z0-9]{16}");
        assertProblem(api().delete("/admin/api-keys/" + "k".repeat(500)), 400, "key_[A-Za-z0-9]{16}");
        assertProblem(api().delete("/admin/api-keys/key_0000000000000000"), 404, "key_0000000000000000");
    }

    @Test
    void bootstrapKeysGetExactlyTheirConfiguredScopes() {
        Api readWrite = api().withKey(otherReadWriteKey);
        Api.Response created = readWrite.post("/identify", "{\"identifiers\":{\"k\":\"rw\"}}");
        assertEquals(201, created.status(), created.body());
        assertEquals(200, readWrite.get("/identify/" + created.json().path("id").asText()).status());
        assertProblem(readWrite.delete("/identify/" + created.json().path("id").asText()), 403, "profiles:delete");
        assertProblem(readWrite.get("/admin/api-keys"), 403, "admin");

        Api read = api().withKey(otherReadKey);
        assertEquals(200, read.get("/identify").status());
        assertProblem(read.post("/identify", "{\"identifiers\":{\"k\":\"r\"}}"), 403, "profiles:write");
    }

    @Test
    void anotherWorkspacesProfileAnswers404AsIfItDidNotExist() {
        Api other = api().withKey(otherKey);
        Api.Response theirs = other.post("/identify",
                "{\"identifiers\":{\"email\":\"shared-" + workspace + "@example.com\",\"secret\":\"theirs\"},\"traits\":{\"t\":1}}");
        assertEquals(201, theirs.status(), theirs.body());
        String id = theirs.json().path("id").asText();
        String never = "usr_0000000000000000";

        List<Call> calls = List.of(new Call("GET", "/identify/%s", null),
                new Call("POST", "/identify/%s", "{\"traits\":{\"t\":2}}"),
                new Call("POST", "/track/%s", "{\"traits\":{\"t\":3}}"),
                new Call("DELETE", "/identify/%s", null));
        for (Call call : calls) {
            Api.Response foreign = send(adminKey, new Call(call.method(), call.path().formatted(id), call.body()));
            Api.Response missing = send(adminKey, new Call(call.method(), call.path().formatted(never), call.body()));
            assertProblem(foreign, 404, id);
            assertEquals(missing.json().path("detail").asText().replace(never, id), foreign.json().path("detail").asText(),
                    "another workspace's id must read exactly like one that does not exist");
        }
        Api.Response unchanged = other.get("/identify/" + id);
        assertEquals(theirs.json(), unchanged.json(), "nothing happened to their profile");

        assertEquals(0, api().get("/identify?secret=theirs").json().path("data").size());
        assertEquals(0, api().get("/identify?email=shared-" + workspace + "%40example.com").json().path("data").size());

        // Unique identifiers are unique per workspace: the same email makes a profile of our own.
        Api.Response ours = api().post("/identify",
                "{\"identifiers\":{\"email\":\"shared-" + workspace + "@example.com\"}}");
        assertEquals(201, ours.status(), ours.body());
        assertEquals(workspace, ours.json().path("workspaceId").asText());
        JsonNode theirSearch = other.get("/identify?email=shared-" + workspace + "%40example.com").json();
        assertEquals(1, theirSearch.path("data").size(), theirSearch.toString());
        assertEquals(id, theirSearch.path("data").get(0).path("id").asText());
    }

    @Test
    void anotherWorkspacesErasuresDeadLettersAndBackfillsAnswer404AsIfTheyDidNotExist() {
        Api other = api().withKey(otherKey);
        Api.Response theirProfile = other.post("/identify", "{\"identifiers\":{\"k\":\"" + UUID.randomUUID() + "\"}}");
        String theirErased = theirProfile.json().path("id").asText();
        assertEquals(202, other.delete("/identify/" + theirErased).status());
        String theirHash = suppression(other);
        long theirDead = deadLetter(other);
        String theirJob = backfill(other);
        awaitQuiet(otherWorkspace);
        awaitQuiet(workspace);
        JsonNode theirLetter = deadLetterById(other, theirDead);

        // Each of theirs reads exactly like an id that exists nowhere.
        List<String[]> pairs = List.of(
                new String[]{"GET", "/erasures/%s", theirErased, "usr_0000000000000000"},
                new String[]{"DELETE", "/identify/%s", theirErased, "usr_0000000000000000"},
                new String[]{"GET", "/identify/%s/sync", theirErased, "usr_0000000000000000"},
                new String[]{"DELETE", "/suppressions/%s", theirHash, "0".repeat(64)},
                new String[]{"POST", "/sync/dead-letters/%s/retry", String.valueOf(theirDead), "999999999999"},
                new String[]{"DELETE", "/sync/dead-letters/%s", String.valueOf(theirDead), "999999999999"},
                new String[]{"GET", "/sync/backfills/%s", theirJob, "bf_0000000000000000"});
        for (String[] pair : pairs) {
            Api.Response foreign = send(adminKey, new Call(pair[0], pair[1].formatted(pair[2]), null));
            Api.Response missing = send(adminKey, new Call(pair[0], pair[1].formatted(pair[3]), null));
            assertProblem(foreign, 404, pair[2]);
            assertEquals(missing.json().path("detail").asText().replace(pair[3], pair[2]),
                    foreign.json().path("detail").asText(), pair[0] + " " + pair[1]);
        }
        Api.Response bulk = api().post("/erasures", "{\"userIds\":[\"" + theirErased + "\"]}");
        assertEquals(202, bulk.status(), bulk.body());
        assertEquals("not_found", bulk.json().path("data").get(0).path("status").asText(), bulk.body());

        // Nor are they listed, and our bulk retry leaves their dead letter alone.
        for (String status : List.of("in_progress", "completed")) {
            assertFalse(api().get("/erasures?limit=100&status=" + status).body().contains(theirErased), status);
        }
        assertEquals(202, api().post("/sync/destinations/hook/dead-letters/retry", "{}").status());
        assertTrue(allDeadLetters(api()).stream().noneMatch(letter -> letter.path("id").asLong() == theirDead));
        awaitQuiet(otherWorkspace);
        assertEquals(theirLetter, deadLetterById(other, theirDead),
                "their dead letter was neither retried (that would give it a new deadAt) nor discarded");
        assertEquals(1, Rows.count("select count(*) from profilehub.suppressions where workspace_id = ? and hash = ?",
                otherWorkspace, theirHash), "their suppression still holds");
        assertEquals(200, other.get("/erasures/" + theirErased).status(), "their erasure is still theirs to read");
        awaitQuiet(workspace);

        // Counts are per workspace. A dead event is a dead letter now (delivery_status would mark every change a
        // letter's versions cover, such as a backfill's or a retry's copy of the same version, as dead).
        long ourDead = Rows.count("select count(*) from profilehub.dead_letters where workspace_id = ?"
                + " and destination = 'hook' and discarded_at is null", workspace);
        long theirDeadCount = Rows.count("select count(*) from profilehub.dead_letters where workspace_id = ?"
                + " and destination = 'hook' and discarded_at is null", otherWorkspace);
        assertTrue(theirDeadCount > 0);
        assertEquals(ourDead, hookStatus(api()).path("dead").asLong(), "our count is ours alone");
        assertEquals(theirDeadCount, hookStatus(other).path("dead").asLong(), "theirs is theirs alone");
    }

    private static JsonNode hookStatus(Api api) {
        for (JsonNode destination : api.get("/sync/destinations").json().path("data")) {
            if (destination.path("name").asText().equals("hook")) {
                return destination;
            }
        }
        throw new AssertionError("hook is not listed");
    }

    @Test
    void keysAreManagedPerWorkspace() {
        Api other = api().withKey(otherKey);
        Api.Response issued = other.post("/admin/api-keys", "{\"name\":\"theirs\",\"scopes\":[\"profiles:read\"]}");
        assertEquals(201, issued.status(), issued.body());
        JsonNode theirKey = issued.json();
        assertEquals(otherWorkspace, theirKey.path("workspaceId").asText());

        assertFalse(listedIds().contains(theirKey.path("id").asText()));
        for (JsonNode k : api().get("/admin/api-keys").json().path("data")) {
            assertEquals(workspace, k.path("workspaceId").asText(), k.toString());
        }
        assertProblem(api().delete("/admin/api-keys/" + theirKey.path("id").asText()), 404, theirKey.path("id").asText());
        assertEquals(200, api().withKey(theirKey.path("key").asText()).get("/identify").status(), "still active");

        JsonNode ours = createKey("ours", List.of("admin"));
        assertEquals(workspace, ours.path("workspaceId").asText(), "a key belongs to the workspace of its issuer");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private JsonNode createKey(String name, List<String> scopes) {
        Api.Response r = api().post("/admin/api-keys", Map.of("name", name, "scopes", scopes));
        assertEquals(201, r.status(), r.body());
        return r.json();
    }

    private List<String> listedIds() {
        List<String> ids = new ArrayList<>();
        api().get("/admin/api-keys").json().path("data").forEach(k -> ids.add(k.path("id").asText()));
        return ids;
    }

    private String profile() {
        Api.Response r = api().post("/identify", "{\"identifiers\":{\"k\":\"" + UUID.randomUUID() + "\"}}");
        assertEquals(201, r.status(), r.body());
        return r.json().path("id").asText();
    }

    /** The id of a profile of this workspace that was erased. */
    private String erased() {
        String id = profile();
        assertEquals(202, api().delete("/identify/" + id).status());
        return id;
    }

    /** The hash of a suppressed email of this workspace. */
    private String suppression() {
        return suppression(api());
    }

    private static String suppression(Api api) {
        String email = "{\"identifiers\":{\"email\":\"" + UUID.randomUUID() + "@example.com\"}}";
        Api.Response created = api.post("/identify", email);
        assertEquals(201, created.status(), created.body());
        assertEquals(202, api.delete("/identify/" + created.json().path("id").asText() + "?suppress=true").status());
        Api.Response refused = api.post("/identify", email);
        assertEquals(409, refused.status(), refused.body());
        return refused.json().path("suppressions").get(0).asText();
    }

    /** The id of a finished backfill of the hook destination, started with the given (admin) key. */
    private static String backfill(Api api) {
        Api.Response started = api.post("/sync/destinations/hook/backfill", "{}");
        assertEquals(202, started.status(), started.body());
        String job = "/sync/backfills/" + started.json().path("id").asText();
        Awaits.until(Duration.ofSeconds(10), () -> api.get(job).json().path("status").asText().equals("completed"));
        return started.json().path("id").asText();
    }

    /** The id of a new dead letter (an upsert the destination refused), made with the given key. */
    private static long deadLetter(Api api) {
        Api.Response created = api.post("/identify",
                "{\"identifiers\":{\"k\":\"" + UUID.randomUUID() + "\"},\"traits\":{\"deadLetter\":true}}");
        assertEquals(201, created.status(), created.body());
        String userId = created.json().path("id").asText();
        long[] id = {-1};
        Awaits.until(Duration.ofSeconds(10), () -> {
            for (JsonNode letter : allDeadLetters(api)) {
                if (letter.path("userId").asText().equals(userId)) {
                    id[0] = letter.path("id").asLong();
                    return true;
                }
            }
            return false;
        });
        return id[0];
    }

    private static JsonNode deadLetterById(Api api, long id) {
        return allDeadLetters(api).stream().filter(letter -> letter.path("id").asLong() == id).findFirst()
                .orElseThrow(() -> new AssertionError("no dead letter " + id));
    }

    private static List<JsonNode> allDeadLetters(Api api) {
        List<JsonNode> letters = new ArrayList<>();
        String token = null;
        do {
            Api.Response page = api.get("/sync/dead-letters?limit=100" + (token == null ? "" : "&pageToken=" + token));
            assertEquals(200, page.status(), page.body());
            page.json().path("data").forEach(letters::add);
            token = page.json().path("nextPageToken").asText(null);
        } while (token != null);
        return letters;
    }

    /** Waits until no event of the workspace is waiting or being sent and no backfill of it is running. */
    private static void awaitQuiet(String workspaceId) {
        Awaits.until(Duration.ofSeconds(10), () -> Rows.count("select count(*) from profilehub.delivery_status"
                + " where workspace_id = ? and status in ('pending', 'in_flight')", workspaceId) == 0
                && Rows.count("select count(*) from profilehub.backfill_jobs where workspace_id = ? and status = 'running'",
                workspaceId) == 0);
    }

    /**
     * The workspace's rows (Rows.footprint) and what the erasure and sync endpoints could write: erasures,
     * suppressions, backfills, idempotency keys, dead letters, and the paused flags of destinations (shared by all
     * workspaces).
     */
    private String footprint() {
        return Rows.footprint(workspace) + " / " + Rows.strings("""
                select concat_ws(' / ',
                    (select count(*) || ' erasures' from profilehub.erasures where workspace_id = ?),
                    (select count(*) || ' suppressions' from profilehub.suppressions where workspace_id = ?),
                    (select count(*) || ' backfills' from profilehub.backfill_jobs where workspace_id = ?),
                    (select count(*) || ' idempotency keys' from profilehub.idempotency_keys where workspace_id = ?),
                    (select count(*) || ' dead' from profilehub.dead_letters
                      where workspace_id = ? and discarded_at is null),
                    (select coalesce(string_agg(name || ' paused ' || paused, ', ' order by name), 'no state')
                       from profilehub.destination_state))
                """, workspace, workspace, workspace, workspace, workspace).get(0);
    }

    private Api.Response send(String key, Call call) {
        Map<String, String> headers = call.body() == null ? Map.of() : Map.of("Content-Type", "application/json");
        return api().withKey(key).send(call.method(), call.path(), call.body(), headers);
    }

}
