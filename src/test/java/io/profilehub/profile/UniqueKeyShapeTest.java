package io.profilehub.profile;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A unique identifier takes one value (issue 19, item 7): "email": ["…"] was neither claimed nor suppressed, yet
 * stored and forwarded to vendors. It is refused with 400 on every write that takes identifiers.
 */
@MicronautTest(transactional = false)
class UniqueKeyShapeTest extends ServiceTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.outbox.enabled", "false");
    }

    @Test
    void severalValuesForAUniqueKeyAreRefusedEverywhere() {
        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":[\"ann@example.com\"]}}"), 400,
                "'identifiers.email' is an array", "unique identifier", "one string or number");
        assertProblem(api().post("/identify", "{\"identifiers\":{\"externalId\":\"e1\",\"userId\":{\"v\":\"1\"}}}"), 400,
                "'identifiers.userId' is an object");
        assertProblem(api().post("/identify", "{\"identifiers\":{\"phoneNumber\":true}}"), 400,
                "'identifiers.phoneNumber' is a boolean");
        assertEquals(0, api().get("/identify?email=ann@example.com").json().get("data").size(), "nothing was written");

        String id = api().post("/identify", "{\"identifiers\":{\"externalId\":\"shape-1\"}}").json().get("id").asText();
        assertProblem(api().post("/identify/" + id, "{\"identifiers\":{\"email\":[\"ann@example.com\",\"b@x.io\"]}}"),
                400, "'identifiers.email' is an array");
        assertProblem(api().post("/track/" + id, "{\"identifiers\":{\"email\":[\"ann@example.com\"]}}"), 400);
        assertEquals(1, api().get("/identify/" + id).json().get("version").asInt());

        Api.Response batch = api().post("/identify/batch", "[{\"identifiers\":{\"email\":[\"ann@example.com\"]}},"
                + "{\"id\":\"" + id + "\",\"identifiers\":{\"email\":[\"c@x.io\"]}},"
                + "{\"id\":\"" + id + "\",\"identifiers\":{\"email\":\"one@x.io\"}}]");
        assertEquals(200, batch.status(), batch.body());
        assertEquals(400, batch.json().get("results").get(0).get("status").asInt());
        assertEquals(400, batch.json().get("results").get(1).get("status").asInt());
        assertEquals(200, batch.json().get("results").get(2).get("status").asInt());
        // A non-unique identifier may still hold an array, and a unique key may still be removed with null.
        assertEquals(200, api().post("/identify/" + id, "{\"identifiers\":{\"tags\":[\"a\",\"b\"],\"email\":null}}").status());
    }
}
