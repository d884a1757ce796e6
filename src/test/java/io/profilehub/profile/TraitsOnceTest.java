package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.OpenApiContract;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** traitsOnce sets a trait only where the profile has no value yet, in single calls and batch items alike. */
@MicronautTest(transactional = false)
class TraitsOnceTest extends ServiceTest {

    private JsonNode traits(String id) {
        return api().get("/identify/" + id).json().get("traits");
    }

    @Test
    void neverOverwritesAndSetsAgainOnlyAfterTheTraitWasRemoved() {
        Api.Response created = api().post("/identify", "{\"identifiers\":{\"email\":\"once-1@example.com\"},"
                + "\"traits\":{\"plan\":\"free\"},\"traitsOnce\":{\"signupSource\":\"ad-1\"}}");
        assertEquals(201, created.status(), created.body());
        String id = created.json().get("id").asText();
        assertEquals(Api.json("{\"plan\":\"free\",\"signupSource\":\"ad-1\"}"), created.json().get("traits"));
        assertEquals(List.of(), new OpenApiContract().violations("POST", "/identify", OpenApiContract.response(created)));

        // a later identify of the same person: plan changes, the first touch stays
        Api.Response again = api().post("/identify", "{\"identifiers\":{\"email\":\"once-1@example.com\"},"
                + "\"traits\":{\"plan\":\"pro\"},\"traitsOnce\":{\"signupSource\":\"ad-2\"}}");
        assertEquals(200, again.status(), again.body());
        assertEquals(Api.json("{\"plan\":\"pro\",\"signupSource\":\"ad-1\"}"), again.json().get("traits"));

        // only traitsOnce, nothing missing: no new version
        Api.Response same = api().post("/identify/" + id, "{\"traitsOnce\":{\"signupSource\":\"ad-3\",\"plan\":\"x\"}}");
        assertEquals(200, same.status(), same.body());
        assertEquals(2, same.json().get("version").asLong(), "nothing filled, nothing written");

        // removed through traits, then traitsOnce sets it again
        assertEquals(200, api().post("/identify/" + id, "{\"traits\":{\"signupSource\":null}}").status());
        Api.Response refilled = api().post("/identify/" + id, "{\"traitsOnce\":{\"signupSource\":\"ad-4\"}}");
        assertEquals(200, refilled.status(), refilled.body());
        assertEquals(Api.json("{\"plan\":\"pro\",\"signupSource\":\"ad-4\"}"), refilled.json().get("traits"));
        assertEquals(4, refilled.json().get("version").asLong());
        assertEquals(4, Rows.count("select count(*) from profilehub.change_log where profile_id = ?", id),
                "one change per version");
    }

    @Test
    void nestedObjectsFillOnlyMissingMembersAtEveryDepth() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"once-2@example.com\"},"
                + "\"traits\":{\"utm\":{\"source\":\"google\",\"campaign\":{\"id\":7}},\"tier\":\"gold\"}}")
                .json().get("id").asText();
        Api.Response r = api().post("/identify/" + id, "{\"traitsOnce\":{\"utm\":{\"source\":\"bing\",\"medium\":\"cpc\","
                + "\"campaign\":{\"id\":8,\"name\":\"spring\"}},\"tier\":{\"level\":1},\"first\":{\"at\":\"2026-01-01\"}}}");
        assertEquals(200, r.status(), r.body());
        assertEquals(Api.json("{\"utm\":{\"source\":\"google\",\"medium\":\"cpc\",\"campaign\":{\"id\":7,\"name\":\"spring\"}},"
                + "\"tier\":\"gold\",\"first\":{\"at\":\"2026-01-01\"}}"), traits(id));
    }

    @Test
    void inBatchesTooAndAcrossItemsOfOneProfile() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"once-3@example.com\"},"
                + "\"traitsOnce\":{\"signupSource\":\"web\"}}").json().get("id").asText();
        Api.Response r = api().post("/identify/batch", "["
                + "{\"identifiers\":{\"email\":\"once-3@example.com\"},\"traitsOnce\":{\"signupSource\":\"app\",\"country\":\"NO\"}},"
                + "{\"id\":\"" + id + "\",\"traitsOnce\":{\"country\":\"SE\",\"lang\":\"nb\"}},"
                + "{\"id\":\"" + id + "\",\"traits\":{\"lang\":null}},"
                + "{\"id\":\"" + id + "\",\"traitsOnce\":{\"lang\":\"en\"}},"
                + "{\"identifiers\":{\"email\":\"once-4@example.com\"},\"traits\":{\"a\":1},\"traitsOnce\":{\"signupSource\":\"batch\"}},"
                + "{\"identifiers\":{\"email\":\"once-4@example.com\"},\"traitsOnce\":{\"signupSource\":\"later\",\"a\":2}}"
                + "]");
        assertEquals(200, r.status(), r.body());
        JsonNode results = r.json().get("results");
        for (int i = 0; i < 6; i++) {
            assertEquals(i == 4 ? 201 : 200, results.get(i).get("status").asInt(), r.body());
        }
        assertEquals(Api.json("{\"signupSource\":\"web\",\"country\":\"NO\",\"lang\":\"en\"}"), traits(id));
        assertEquals(Api.json("{\"a\":1,\"signupSource\":\"batch\"}"), traits(results.get(4).get("id").asText()));
    }

    @Test
    void nullsAndTraitsSentTwiceAreRefusedAndNothingIsWritten() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"once-5@example.com\"}}").json().get("id").asText();
        String before = Rows.footprint(workspace);
        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":\"once-6@example.com\"},"
                + "\"traitsOnce\":{\"utm\":{\"source\":null}}}"), 400, "'traitsOnce.utm.source' is null");
        assertProblem(api().post("/identify/" + id, "{\"traits\":{\"plan\":\"pro\"},\"traitsOnce\":{\"plan\":\"free\"}}"),
                400, "'plan' is in both 'traits' and 'traitsOnce'");
        assertProblem(api().post("/identify/" + id, "{\"traitsOnce\":[1]}"), 400, "'traitsOnce' must be a JSON object");
        Api.Response batch = api().post("/identify/batch", "[{\"id\":\"" + id + "\",\"traitsOnce\":{\"a\":null}},"
                + "{\"id\":\"" + id + "\",\"traits\":{\"a\":1},\"traitsOnce\":{\"a\":2}}]");
        assertEquals(200, batch.status(), batch.body());
        for (int i = 0; i < 2; i++) {
            assertEquals(400, batch.json().get("results").get(i).get("status").asInt(), batch.body());
        }
        assertEquals(before, Rows.footprint(workspace));
    }
}
