package io.profilehub.merge;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The 308 of an absorbed id names the survivor (issue 19, item 13): only a key that may read profiles gets it, and
 * only on paths a route serves; others get what an id naming no profile gets.
 */
@MicronautTest(transactional = false)
class AliasScopeTest extends ServiceTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.outbox.enabled", "false");
    }

    private String key(String scopes) {
        Api.Response r = api().post("/admin/api-keys", "{\"name\":\"k-" + scopes.hashCode() + "\",\"scopes\":" + scopes + "}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("key").asText();
    }

    @Test
    void onlyKeysThatMayReadTheSurvivorAreRedirectedAndOnlyOnRealRoutes() {
        String a = api().post("/identify", "{\"identifiers\":{\"email\":\"alias-a@x.io\"}}").json().get("id").asText();
        String b = api().post("/identify", "{\"identifiers\":{\"email\":\"alias-b@x.io\"}}").json().get("id").asText();
        assertEquals(200, api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}").status());
        String unknown = "usr_AAAAAAAAAAAAAAAA";

        Api writer = api().withKey(key("[\"profiles:write\"]"));
        Api reader = api().withKey(key("[\"profiles:read\"]"));

        // A write-only key: the same 404 as for an id that names no profile, without the survivor's id.
        Api.Response moved = writer.post("/track/" + a, "{\"traits\":{\"x\":1}}");
        Api.Response none = writer.post("/track/" + unknown, "{\"traits\":{\"x\":1}}");
        assertEquals(404, moved.status(), moved.body());
        assertEquals(none.status(), moved.status());
        assertNull(moved.header("Location"));
        assertEquals(-1, moved.body().indexOf(b), moved.body());
        // A read-only key where it lacks the scope: 403, as for any profile.
        assertEquals(403, reader.post("/track/" + a, "{\"traits\":{\"x\":1}}").status());

        // A key that may read is redirected on real routes ...
        Api.Response get = reader.get("/identify/" + a);
        assertEquals(308, get.status(), get.body());
        assertEquals("/identify/" + b, get.header("Location"));
        assertEquals(308, reader.get("/identify/" + a + "/history").status());
        // ... and an unknown sub-path is the 404 of any unknown path, naming nobody.
        Api.Response sub = reader.get("/identify/" + a + "/no-such-thing");
        assertEquals(404, sub.status(), sub.body());
        assertNull(sub.header("Location"));
        assertEquals(-1, sub.body().indexOf(b), sub.body());
        assertEquals(404, api().get("/identify/" + a + "/no-such-thing").status());
    }
}
