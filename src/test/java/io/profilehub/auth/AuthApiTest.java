package io.profilehub.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** API keys: scopes per endpoint, 401s, revocation, key management, and isolation between workspaces. */
@MicronautTest(transactional = false)
class AuthApiTest extends ServiceTest {
    private static final List<String> SCOPES = List.of("profiles:read", "profiles:write", "profiles:delete", "admin");

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

    @Override
    protected Map<String, String> extraProperties() {
        // keys[1] lists its scopes the way a property or environment variable would: one comma-separated string.
        return Map.of("profilehub.bootstrap.keys[0].workspace", otherWorkspace,
                "profilehub.bootstrap.keys[0].key", otherKey,
                "profilehub.bootstrap.keys[1].workspace", otherWorkspace,
                "profilehub.bootstrap.keys[1].key", otherReadWriteKey,
                "profilehub.bootstrap.keys[1].scopes", "profiles:read, profiles:write",
                "profilehub.bootstrap.keys[2].workspace", otherWorkspace,
                "profilehub.bootstrap.keys[2].key", otherReadKey,
                "profilehub.bootstrap.keys[2].scopes[0]", "profiles:read");
    }

    @BeforeAll
    void createKeysPerScope() {
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
        all.add(new Endpoint("delete", "profiles:delete", () -> new Call("DELETE", "/identify/" + profile(), null), 204));
        all.add(new Endpoint("issue key", "admin",
                () -> new Call("POST", "/admin/api-keys", "{\"name\":\"n\",\"scopes\":[\"profiles:read\"]}"), 201));
        all.add(new Endpoint("list keys", "admin", () -> new Call("GET", "/admin/api-keys", null), 200));
        all.add(new Endpoint("revoke key", "admin", () -> new Call("DELETE", "/admin/api-keys/"
                + createKey("victim", List.of("profiles:read")).path("id").asText(), null), 204));
        all.add(new Endpoint("metrics", "admin", () -> new Call("GET", "/prometheus", null), 200));
        return all;
    }

    @Test
    void everyEndpointRefusesAKeyWithoutItsScopeAndWritesNothing() {
        for (Endpoint endpoint : endpoints()) {
            Call call = endpoint.call().get();
            String before = Rows.footprint(workspace);
            Api.Response r = send(allButKey.get(endpoint.scope()), call);
            assertProblem(r, 403, endpoint.scope());
            assertEquals(before, Rows.footprint(workspace), endpoint.name() + " wrote despite the 403");
        }
    }

    @Test
    void aKeyWithOnlyTheNeededScopeIsEnough() {
        for (Endpoint endpoint : endpoints()) {
            Api.Response r = send(onlyKey.get(endpoint.scope()), endpoint.call().get());
            assertEquals(endpoint.success(), r.status(), endpoint.name() + ": " + r.body());
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

    private Api.Response send(String key, Call call) {
        Map<String, String> headers = call.body() == null ? Map.of() : Map.of("Content-Type", "application/json");
        return api().withKey(key).send(call.method(), call.path(), call.body(), headers);
    }

}
