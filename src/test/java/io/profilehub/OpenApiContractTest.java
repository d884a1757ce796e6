package io.profilehub;

import com.atlassian.oai.validator.model.SimpleResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.OpenApiContract;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives every endpoint into each of its documented answers against the running service and checks each real
 * answer (status documented for the operation, content type, headers, body schema) against
 * openapi/profilehub.yaml. The last test fails if the spec documents an answer that no test produced.
 */
@MicronautTest(transactional = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractTest extends ServiceTest {
    private static final String JSON = "application/json";
    /* Answers no test here can produce without breaking the service itself. */
    private static final Set<String> NOT_EXERCISED = Set.of("GET /health 503");
    private static final int OVER_ONE_MIB = 1024 * 1024 + 1;

    private final OpenApiContract contract = new OpenApiContract();
    private final String run = UUID.randomUUID().toString();
    private String readerKey;
    private String writerKey;

    @BeforeAll
    void createKeysWithOneScope() {
        readerKey = createKey("reader", "profiles:read").path("key").asText();
        writerKey = createKey("writer", "profiles:write").path("key").asText();
    }

    @Test
    @Order(1)
    void specIsAValidOpenApi303Document() {
        assertEquals(List.of(), contract.parseMessages());
        assertEquals("3.0.3", contract.api().getOpenapi());
    }

    @Test
    @Order(2)
    void checksCatchResponsesThatDriftFromTheSpec() {
        String id = expect(201, call("POST", "/identify", "{\"identifiers\":{\"k\":\"drift-" + run + "\"}}"))
                .json().path("id").asText();
        Api.Response real = expect(200, call("GET", "/identify/" + id, null));

        ObjectNode withoutVersion = real.json().deepCopy();
        withoutVersion.remove("version");
        assertFalse(contract.violations("GET", "/identify/" + id, jsonResponse(200, JSON, withoutVersion)).isEmpty(),
                "a profile without its version must not pass");

        ObjectNode extraMember = real.json().deepCopy();
        extraMember.put("internalNote", "x");
        assertFalse(contract.violations("GET", "/identify/" + id, jsonResponse(200, JSON, extraMember)).isEmpty(),
                "an undocumented member must not pass");

        assertFalse(contract.violations("GET", "/identify/" + id, jsonResponse(418, JSON, real.json())).isEmpty(),
                "an undocumented status must not pass");
        assertFalse(contract.violations("DELETE", "/identify/" + id, jsonResponse(409, "application/problem+json",
                real.json())).isEmpty(), "a status documented elsewhere but not for this operation must not pass");

        Api.Response missing = expect(404, call("GET", "/identify/usr_0000000000000000", null));
        assertFalse(contract.violations("GET", "/identify/usr_0000000000000000",
                        jsonResponse(404, "text/html", missing.json())).isEmpty(),
                "a problem under an undocumented content type must not pass");
        ObjectNode withoutDetail = missing.json().deepCopy();
        withoutDetail.remove("detail");
        assertFalse(contract.violations("GET", "/identify/usr_0000000000000000",
                        jsonResponse(404, "application/problem+json", withoutDetail)).isEmpty(),
                "a problem without its detail must not pass");

        Api.Response created = expect(201, call("POST", "/identify", "{\"identifiers\":{\"k\":\"drift2-" + run + "\"}}"));
        SimpleResponse withoutLocation = SimpleResponse.Builder.status(201).withContentType(JSON)
                .withHeader("ETag", created.header("ETag")).withBody(created.body()).build();
        assertFalse(contract.violations("POST", "/identify", withoutLocation).isEmpty(),
                "a 201 without its Location header must not pass");
        assertFalse(contract.violations(new OpenApiContract.Exchange("POST", "/identify", "{\"traits\":{}}",
                        Map.of("Content-Type", JSON, "Authorization", "Bearer " + adminKey), created)).isEmpty(),
                "a request the spec refuses must not pass when the service accepted it");

        ObjectNode lastPage = expect(200, call("GET", "/identify?k=drift-" + run, null)).json().deepCopy();
        lastPage.putNull("nextPageToken");
        assertFalse(contract.violations("GET", "/identify", jsonResponse(200, JSON, lastPage)).isEmpty(),
                "the last page has no token rather than a null one");
    }

    @Test
    @Order(10)
    void identify() {
        String email = "contract-" + run + "@example.com";
        String body = "{\"identifiers\":{\"email\":\"" + email + "\"},\"traits\":{\"plan\":\"free\"}}";
        Api.Response created = expect(201, call("POST", "/identify", body));
        String id = created.json().path("id").asText();
        expect(200, call("POST", "/identify", "{\"identifiers\":{\"email\":\"" + email + "\"},\"traits\":null}"));

        String other = expect(201, call("POST", "/identify",
                "{\"identifiers\":{\"userId\":\"contract-" + run + "\"}}")).json().path("id").asText();
        Api.Response conflict = expect(409, call("POST", "/identify",
                "{\"identifiers\":{\"email\":\"" + email + "\",\"userId\":\"contract-" + run + "\"}}"));
        assertEquals(Set.of(id, other), Set.of(conflict.json().path("profiles").get(0).asText(),
                conflict.json().path("profiles").get(1).asText()));

        expect(400, call("POST", "/identify", "{\"traits\":{}}"));
        expect(401, as(null).send("POST", "/identify", body, Map.of("Content-Type", JSON)), "POST", "/identify", body);
        expect(403, as(readerKey).send("POST", "/identify", body, Map.of("Content-Type", JSON)), "POST", "/identify", body);
        expect(413, call("POST", "/identify", tooLarge()));
        expect(415, send("POST", "/identify", body, Map.of("Content-Type", "text/plain")));
    }

    @Test
    @Order(11)
    void search() {
        for (int i = 0; i < 3; i++) {
            expect(201, call("POST", "/identify", "{\"identifiers\":{\"batch\":\"search-" + run + "\",\"n\":" + i + "}}"));
        }
        Api.Response first = expect(200, call("GET", "/identify?batch=search-" + run + "&limit=2", null));
        assertEquals(2, first.json().path("data").size());
        String next = first.json().path("meta").path("nextPageUrl").asText();
        Api.Response second = expect(200, call("GET", next, null));
        assertEquals(1, second.json().path("data").size());
        assertFalse(second.json().has("nextPageToken"));
        expect(200, call("GET", second.json().path("meta").path("previousPageUrl").asText(), null));
        expect(200, call("GET", "/identify", null));

        expect(400, call("GET", "/identify?limit=0", null));
        expect(413, call("GET", "/identify?k=" + "v".repeat(5000), null));
        expect(401, as(null).get("/identify"), "GET", "/identify", null);
        expect(403, as(writerKey).get("/identify"), "GET", "/identify", null);
    }

    @Test
    @Order(12)
    void readUpdateTrackAndDelete() {
        String id = expect(201, call("POST", "/identify", "{\"identifiers\":{\"k\":\"crud-" + run + "\"}}"))
                .json().path("id").asText();
        String path = "/identify/" + id;
        String missing = "/identify/usr_0000000000000000";

        expect(200, call("GET", path, null));
        expect(400, call("GET", "/identify/nope", null));
        expect(401, as(null).get(path), "GET", path, null);
        expect(403, as(writerKey).get(path), "GET", path, null);
        expect(404, call("GET", missing, null));

        String patch = "{\"identifiers\":{\"city\":\"Oslo\"},\"traits\":{\"a\":1}}";
        expect(200, send("POST", path, patch, Map.of("Content-Type", JSON, "If-Match", "\"1\"")));
        expect(400, call("POST", path, "{\"identifiers\":[]}"));
        expect(401, as(null).send("POST", path, patch, Map.of("Content-Type", JSON)), "POST", path, patch);
        expect(403, as(readerKey).send("POST", path, patch, Map.of("Content-Type", JSON)), "POST", path, patch);
        expect(404, call("POST", missing, patch));
        String owner = expect(201, call("POST", "/identify", "{\"identifiers\":{\"externalId\":\"crud-" + run + "\"}}"))
                .json().path("id").asText();
        Api.Response steal = expect(409, call("POST", path, "{\"identifiers\":{\"externalId\":\"crud-" + run + "\"}}"));
        assertTrue(steal.json().path("detail").asText().contains(owner), steal.body());
        expect(412, send("POST", path, patch, Map.of("Content-Type", JSON, "If-Match", "\"1\"")));
        expect(413, call("POST", path, tooLarge()));
        expect(415, send("POST", path, patch, Map.of("Content-Type", "application/x-www-form-urlencoded")));

        String track = "/track/" + id;
        String traits = "{\"traits\":{\"visits\":1}}";
        expect(200, send("POST", track, traits, Map.of("Content-Type", JSON, "If-Match", "\"2\"")));
        expect(400, call("POST", track, "{\"traits\":\"many\"}"));
        expect(401, as(null).send("POST", track, traits, Map.of("Content-Type", JSON)), "POST", track, traits);
        expect(403, as(readerKey).send("POST", track, traits, Map.of("Content-Type", JSON)), "POST", track, traits);
        expect(404, call("POST", "/track/usr_0000000000000000", traits));
        expect(412, send("POST", track, traits, Map.of("Content-Type", JSON, "If-Match", "\"2\"")));
        expect(413, call("POST", track, tooLarge()));
        expect(415, send("POST", track, traits, Map.of()));

        expect(400, call("DELETE", "/identify/usr_short", null));
        expect(401, as(null).delete(path), "DELETE", path, null);
        expect(403, as(readerKey).delete(path), "DELETE", path, null);
        expect(204, call("DELETE", path, null));
        expect(404, call("DELETE", path, null));
    }

    @Test
    @Order(13)
    void apiKeys() {
        String body = "{\"name\":\"contract\",\"scopes\":[\"profiles:read\"]}";
        String keyId = expect(201, call("POST", "/admin/api-keys", body)).json().path("id").asText();
        expect(400, call("POST", "/admin/api-keys", "{\"name\":\"contract\",\"scopes\":[]}"));
        expect(401, as(null).send("POST", "/admin/api-keys", body, Map.of("Content-Type", JSON)),
                "POST", "/admin/api-keys", body);
        expect(403, as(readerKey).send("POST", "/admin/api-keys", body, Map.of("Content-Type", JSON)),
                "POST", "/admin/api-keys", body);
        expect(413, call("POST", "/admin/api-keys", tooLarge()));
        expect(415, send("POST", "/admin/api-keys", body, Map.of("Content-Type", "text/plain")));

        expect(200, call("GET", "/admin/api-keys", null));
        expect(401, as(null).get("/admin/api-keys"), "GET", "/admin/api-keys", null);
        expect(403, as(readerKey).get("/admin/api-keys"), "GET", "/admin/api-keys", null);

        String revoke = "/admin/api-keys/" + keyId;
        expect(400, call("DELETE", "/admin/api-keys/not-a-key-id", null));
        expect(401, as(null).delete(revoke), "DELETE", revoke, null);
        expect(403, as(readerKey).delete(revoke), "DELETE", revoke, null);
        expect(204, call("DELETE", revoke, null));
        expect(404, call("DELETE", revoke, null));
    }

    @Test
    @Order(14)
    void operations() {
        expect(200, as(null).get("/health"), "GET", "/health", null);
        expect(200, call("GET", "/prometheus", null));
        expect(401, as(null).get("/prometheus"), "GET", "/prometheus", null);
        expect(403, as(readerKey).get("/prometheus"), "GET", "/prometheus", null);
    }

    @Test
    @Order(100)
    void everyDocumentedAnswerWasExercised() {
        Set<String> missing = new TreeSet<>(contract.documented());
        missing.removeAll(contract.exercised());
        missing.removeAll(NOT_EXERCISED);
        assertEquals(Set.of(), missing, "documented answers that no test produced (run the whole class)");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /** A request with the all-scopes key and, when there is a body, Content-Type application/json. */
    private OpenApiContract.Exchange call(String method, String path, String body) {
        return send(method, path, body, body == null ? Map.of() : Map.of("Content-Type", JSON));
    }

    private OpenApiContract.Exchange send(String method, String path, String body, Map<String, String> headers) {
        Map<String, String> sent = new HashMap<>(headers);
        sent.put("Authorization", "Bearer " + adminKey);
        return new OpenApiContract.Exchange(method, path, body, sent, api().send(method, path, body, headers));
    }

    private Api.Response expect(int status, Api.Response response, String method, String path, String body) {
        return expect(status, new OpenApiContract.Exchange(method, path, body, Map.of(), response));
    }

    private Api.Response expect(int status, OpenApiContract.Exchange exchange) {
        Api.Response r = exchange.response();
        assertEquals(status, r.status(), exchange.method() + " " + exchange.pathAndQuery() + ": " + r.body());
        List<String> violations = contract.violations(exchange);
        assertEquals(List.of(), violations, exchange.method() + " " + exchange.pathAndQuery() + " -> " + r.status()
                + " " + abbreviate(r.body()));
        return r;
    }

    private Api as(String key) {
        return new Api(server.getURI(), key);
    }

    private JsonNode createKey(String name, String scope) {
        Api.Response r = api().post("/admin/api-keys", "{\"name\":\"" + name + "\",\"scopes\":[\"" + scope + "\"]}");
        assertEquals(201, r.status(), r.body());
        return r.json();
    }

    private static String tooLarge() {
        String head = "{\"traits\":{\"pad\":\"";
        String tail = "\"}}";
        return head + "x".repeat(OVER_ONE_MIB - head.length() - tail.length()) + tail;
    }

    private static SimpleResponse jsonResponse(int status, String contentType, JsonNode body) {
        return SimpleResponse.Builder.status(status).withContentType(contentType).withBody(body.toString()).build();
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
