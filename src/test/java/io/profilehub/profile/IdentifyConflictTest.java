package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.OpenApiContract;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A 409 for identifiers of two or more profiles names the merge that would resolve it, into the oldest. */
@MicronautTest(transactional = false)
class IdentifyConflictTest extends ServiceTest {

    private String create(String identifiers) {
        Api.Response r = api().post("/identify", "{\"identifiers\":" + identifiers + "}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    private static void assertMerge(JsonNode problem, String survivor, String from) {
        assertEquals(Api.json("{\"method\":\"POST\",\"path\":\"/identify/" + survivor + "/merge\",\"body\":{\"from\":\""
                + from + "\"}}"), problem.get("merge"), problem.toString());
    }

    @Test
    void conflictsNameTheMergeIntoTheOldestProfile() {
        String a = create("{\"email\":\"cf-a@example.com\"}");
        String b = create("{\"userId\":\"cf-b\"}");
        String c = create("{\"phoneNumber\":\"+4700000001\"}");

        // named in another order than their age: the oldest still survives
        Api.Response two = api().post("/identify", "{\"identifiers\":{\"userId\":\"cf-b\",\"email\":\"cf-a@example.com\"}}");
        assertProblem(two, 409, "The identifiers match 2 different profiles", "Nothing was changed.",
                "POST /identify/" + a + "/merge with {\"from\":\"" + b + "\"}");
        assertMerge(two.json(), a, b);
        assertEquals(List.of(), new OpenApiContract().violations("POST", "/identify", OpenApiContract.response(two)));

        Api.Response three = api().post("/identify", "{\"identifiers\":{\"phoneNumber\":\"+4700000001\","
                + "\"userId\":\"cf-b\",\"email\":\"cf-a@example.com\"}}");
        assertProblem(three, 409, "The identifiers match 3 different profiles", "merge all 3 into " + a,
                "{\"from\":\"" + b + "\"}, then with {\"from\":\"" + c + "\"}");
        assertMerge(three.json(), a, b);

        // an update that would take another profile's value
        Api.Response steal = api().post("/identify/" + c, "{\"identifiers\":{\"email\":\"cf-a@example.com\"}}");
        assertProblem(steal, 409, "a unique identifier another profile holds", "/identify/" + a + "/merge");
        assertMerge(steal.json(), a, c);
        assertEquals(List.of(), new OpenApiContract().violations("POST", "/identify/" + c,
                OpenApiContract.response(steal)));

        // batch items carry the same
        Api.Response batch = api().post("/identify/batch", "[{\"identifiers\":{\"userId\":\"cf-b\",\"email\":\"cf-a@example.com\"}},"
                + "{\"identifiers\":{\"email\":\"cf-new@example.com\"}},"
                + "{\"identifiers\":{\"email\":\"cf-new@example.com\",\"userId\":\"cf-b\"}}]");
        assertEquals(200, batch.status(), batch.body());
        JsonNode results = batch.json().get("results");
        assertEquals(409, results.get(0).get("status").asInt());
        assertMerge(results.get(0).get("error"), a, b);
        // the profile created by item 1 is the youngest: b survives
        String created = results.get(1).get("id").asText();
        assertEquals(409, results.get(2).get("status").asInt(), batch.body());
        assertMerge(results.get(2).get("error"), b, created);
    }
}
