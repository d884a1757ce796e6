package io.profilehub.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.OpenApiContract;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a key may grant, and ids that reveal nothing of the secret. */
@MicronautTest(transactional = false)
class ApiKeyGrantsTest extends ServiceTest {

    @Test
    void aKeyCannotGrantScopesItLacks() {
        Api adminOnly = api().withKey(issue(api(), List.of("admin")).path("key").asText());

        String before = Rows.footprint(workspace);
        Api.Response escalated = adminOnly.post("/admin/api-keys", Map.of("name", "escalated",
                "scopes", List.of("admin", "profiles:read", "profiles:write", "profiles:delete")));
        assertProblem(escalated, 403, "profiles:delete, profiles:read, profiles:write");
        assertEquals(List.of(), new OpenApiContract().violations("POST", "/admin/api-keys",
                OpenApiContract.response(escalated)));
        assertProblem(adminOnly.post("/admin/api-keys", Map.of("name", "reader", "scopes", List.of("profiles:read"))),
                403, "lacks profiles:read");
        assertEquals(before, Rows.footprint(workspace), "a refused grant writes nothing");

        assertEquals(201, adminOnly.post("/admin/api-keys", Map.of("name", "another admin",
                "scopes", List.of("admin"))).status(), "what it holds it may grant");
        Api adminReader = api().withKey(issue(api(), List.of("admin", "profiles:read")).path("key").asText());
        JsonNode reader = issue(adminReader, List.of("profiles:read"));
        assertEquals(200, api().withKey(reader.path("key").asText()).get("/identify?limit=1").status());
        assertProblem(adminReader.post("/admin/api-keys", Map.of("name", "w", "scopes", List.of("profiles:write"))),
                403, "profiles:write");
    }

    @Test
    void keyIdsAreNotDerivedFromTheSecret() {
        JsonNode issued = issue(api(), List.of("profiles:read"));
        assertNotEquals(derivedId(issued.path("key").asText()), issued.path("id").asText());

        // The bootstrap key used to be listed under the first 16 hex digits of its unsalted SHA-256.
        List<String> ids = api().get("/admin/api-keys").json().findValuesAsText("id");
        assertTrue(ids.stream().allMatch(id -> id.matches("key_[A-Za-z0-9]{16}")), ids.toString());
        assertTrue(!ids.contains(derivedId(adminKey)), ids + " holds the id derived from the bootstrap key");
        assertEquals(1, Rows.count("select count(*) from profilehub.api_keys where workspace_id = ? and name = "
                + "'bootstrap' and key_hash = sha256(?::bytea)", workspace, adminKey));
    }

    @Test
    void theMigrationGivesHashDerivedIdsRandomOnesAndTheKeysStillWork() throws Exception {
        String secret = "phk_migrated_" + java.util.UUID.randomUUID().toString().replace("-", "");
        String derived = derivedId(secret);
        String issuedId = issue(api(), List.of("profiles:read")).path("id").asText();
        try (Connection c = TestDatabase.connect()) {
            try (PreparedStatement ps = c.prepareStatement("insert into profilehub.api_keys (workspace_id, id, name, "
                    + "key_hash, scopes) values (?, ?, 'bootstrap', sha256(?::bytea), '{profiles:read}')")) {
                ps.setString(1, workspace);
                ps.setString(2, derived);
                ps.setString(3, secret);
                ps.executeUpdate();
            }
            try (Statement s = c.createStatement()) {
                s.execute("set search_path to profilehub");
                s.execute(Files.readString(Path.of("db/V16__api_key_random_ids.sql")));
            }
        }
        List<String> ids = api().get("/admin/api-keys").json().findValuesAsText("id");
        assertTrue(!ids.contains(derived), ids.toString());
        assertTrue(ids.contains(issuedId), "random ids are left alone: " + ids);
        assertTrue(ids.stream().allMatch(id -> id.matches("key_[A-Za-z0-9]{16}")), ids.toString());
        assertEquals(200, api().withKey(secret).get("/identify?limit=1").status(), "found by hash as before");
    }

    private JsonNode issue(Api by, List<String> scopes) {
        Api.Response r = by.post("/admin/api-keys", Map.of("name", "k", "scopes", scopes));
        assertEquals(201, r.status(), r.body());
        return r.json();
    }

    private static String derivedId(String secret) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return "key_" + HexFormat.of().formatHex(hash, 0, 8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
