package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest(transactional = false)
class IdentifyApiTest extends ServiceTest {

    @Test
    void createsReadsAndReportsVersionAsETag() {
        Api.Response created = api().post("/identify", "{\"identifiers\":{\"email\":\"ann@example.com\",\"name\":{\"first\":\"Ann\",\"last\":\"Lee\"},\"nothing\":null},\"traits\":{\"plan\":\"pro\"}}");
        assertEquals(201, created.status(), created.body());
        JsonNode p = created.json();
        String id = p.get("id").asText();
        assertTrue(id.matches("usr_[A-Za-z0-9]{16}"), id);
        assertEquals("/identify/" + id, created.header("Location"));
        assertEquals(workspace, p.get("workspaceId").asText());
        assertEquals(1, p.get("version").asLong());
        assertFalse(p.get("identifiers").has("nothing"), "nulls are never stored");
        assertTrue(p.get("createdAt").asText().endsWith("Z"));
        assertEquals("\"1\"", created.header("ETag"));

        Api.Response read = api().get("/identify/" + id);
        assertEquals(200, read.status());
        assertEquals(p, read.json());
        assertEquals("\"1\"", read.header("ETag"));
    }

    @Test
    void mergesPatchesAndSkipsNoOpUpdates() {
        String id = create("{\"identifiers\":{\"externalId\":\"m-1\",\"address\":{\"city\":\"Oslo\",\"zip\":\"0150\"},\"tags\":[1,2]},\"traits\":{\"a\":1,\"b\":2}}");
        Api.Response updated = api().post("/identify/" + id,
                "{\"identifiers\":{\"address\":{\"zip\":null,\"street\":\"Main\"},\"tags\":[3]},\"traits\":{\"a\":null,\"c\":{\"d\":true}}}");
        assertEquals(200, updated.status(), updated.body());
        assertEquals(Api.json("{\"externalId\":\"m-1\",\"address\":{\"city\":\"Oslo\",\"street\":\"Main\"},\"tags\":[3]}"),
                updated.json().get("identifiers"));
        assertEquals(Api.json("{\"b\":2,\"c\":{\"d\":true}}"), updated.json().get("traits"));
        assertEquals(2, updated.json().get("version").asLong());
        String updatedAt = updated.json().get("updatedAt").asText();

        Api.Response same = api().post("/identify/" + id, "{\"traits\":{\"b\":2,\"zzz\":null}}");
        assertEquals(200, same.status());
        assertEquals(2, same.json().get("version").asLong(), "nothing changed, no new version");
        assertEquals(updatedAt, same.json().get("updatedAt").asText());

        Api.Response tracked = api().post("/track/" + id, "{\"traits\":{\"b\":3}}");
        assertEquals(3, tracked.json().get("version").asLong());
        assertEquals(3, tracked.json().get("traits").get("b").asInt());
    }

    @Test
    void rfc7396AppendixAExamplesWithObjectsOnBothSides() {
        String[][] cases = {
                {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
                {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
                {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
                {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
                {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
                {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
                {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
                {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
                {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
        };
        for (String[] c : cases) {
            String id = create("{\"identifiers\":{\"case\":\"rfc\"},\"traits\":" + c[0] + "}");
            Api.Response r = api().post("/identify/" + id, "{\"traits\":" + c[1] + "}");
            assertEquals(Api.json(c[2]), r.json().get("traits"), c[0] + " + " + c[1]);
        }
    }

    @Test
    void resolvesUniqueIdentifiersToOneProfile() {
        Api.Response first = api().post("/identify", "{\"identifiers\":{\"email\":\"Bob@Example.com\"},\"traits\":{\"x\":1}}");
        assertEquals(201, first.status());
        String id = first.json().get("id").asText();

        Api.Response again = api().post("/identify", "{\"identifiers\":{\"email\":\"  bob@example.COM \",\"userId\":\"u-bob\"},\"traits\":{\"y\":2}}");
        assertEquals(200, again.status(), again.body());
        assertEquals(id, again.json().get("id").asText());
        assertEquals(Api.json("{\"x\":1,\"y\":2}"), again.json().get("traits"));

        String other = create("{\"identifiers\":{\"phoneNumber\":\"+4712345678\"}}");
        Api.Response both = api().post("/identify", "{\"identifiers\":{\"userId\":\"u-bob\",\"phoneNumber\":\"+4712345678\"}}");
        assertEquals(409, both.status());
        assertTrue(both.json().get("detail").asText().contains(id));
        assertTrue(both.json().get("detail").asText().contains(other));

        Api.Response steal = api().post("/identify/" + other, "{\"identifiers\":{\"email\":\"BOB@example.com\"}}");
        assertEquals(409, steal.status(), steal.body());
        assertEquals(1, api().get("/identify/" + other).json().get("version").asLong(), "nothing written");

        // Releasing a value frees it for others.
        assertEquals(200, api().post("/identify/" + id, "{\"identifiers\":{\"email\":null}}").status());
        assertEquals(200, api().post("/identify/" + other, "{\"identifiers\":{\"email\":\"bob@example.com\"}}").status());
    }

    @Test
    void junkValuesNeverResolveIdentity() {
        String a = create("{\"identifiers\":{\"email\":\"anonymous\",\"k\":\"a\"}}");
        String b = create("{\"identifiers\":{\"email\":\"ANONYMOUS\",\"k\":\"b\"}}");
        String c = create("{\"identifiers\":{\"userId\":\"  \",\"k\":\"c\"}}");
        String d = create("{\"identifiers\":{\"userId\":\"\",\"k\":\"d\"}}");
        assertNotEquals(a, b);
        assertNotEquals(c, d);
    }

    @Test
    void concurrentCreatesOfOnePersonMakeOneProfile() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Api.Response>> futures = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int n = i;
            futures.add(pool.submit(() -> api().post("/identify",
                    "{\"identifiers\":{\"email\":\"race@example.com\"},\"traits\":{\"k" + n + "\":" + n + "}}")));
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        int created = 0;
        for (Future<Api.Response> f : futures) {
            Api.Response r = f.get();
            assertTrue(r.status() == 200 || r.status() == 201, r.body());
            created += r.status() == 201 ? 1 : 0;
            ids.add(r.json().get("id").asText());
        }
        pool.shutdown();
        assertEquals(1, ids.size());
        assertEquals(1, created);
        assertEquals(32, api().get("/identify/" + ids.iterator().next()).json().get("traits").size());
    }

    @Test
    void hundredConcurrentUpdatesKeepEveryKey() throws Exception {
        String id = create("{\"identifiers\":{\"case\":\"concurrency\"}}");
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<Api.Response>> futures = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            futures.add(pool.submit(() -> api().post("/identify/" + id, "{\"traits\":{\"key" + n + "\":" + n + "}}")));
        }
        for (Future<Api.Response> f : futures) {
            assertEquals(200, f.get().status());
        }
        pool.shutdown();
        JsonNode p = api().get("/identify/" + id).json();
        assertEquals(100, p.get("traits").size());
        assertEquals(101, p.get("version").asLong());
    }

    @Test
    void ifMatchGuardsUpdates() {
        String id = create("{\"identifiers\":{\"case\":\"etag\"}}");
        Api.Response ok = api().send("POST", "/identify/" + id, "{\"traits\":{\"a\":1}}",
                Map.of("Content-Type", "application/json", "If-Match", "\"1\""));
        assertEquals(200, ok.status());
        assertEquals("\"2\"", ok.header("ETag"));
        Api.Response stale = api().send("POST", "/identify/" + id, "{\"traits\":{\"a\":2}}",
                Map.of("Content-Type", "application/json", "If-Match", "\"1\""));
        assertEquals(412, stale.status());
        assertEquals("application/problem+json", stale.header("Content-Type"));
        assertEquals(1, api().get("/identify/" + id).json().get("traits").get("a").asInt());
    }

    @Test
    void deleteRemovesProfileAndFreesItsValues() {
        String id = create("{\"identifiers\":{\"email\":\"gone@example.com\"}}");
        assertEquals(404, api().get("/identify/" + "usr_AAAAAAAAAAAAAAAA").status());
        assertEquals(202, api().delete("/identify/" + id).status());
        assertEquals(404, api().get("/identify/" + id).status());
        assertEquals(202, api().delete("/identify/" + id).status(), "a second delete answers with the same erasure");
        Api.Response again = api().post("/identify", "{\"identifiers\":{\"email\":\"gone@example.com\"}}");
        assertEquals(201, again.status());
        assertNotEquals(id, again.json().get("id").asText());
    }

    private String create(String body) {
        Api.Response r = api().post("/identify", body);
        assertEquals(201, r.status(), r.body());
        assertNotNull(r.json().get("id"));
        return r.json().get("id").asText();
    }
}
