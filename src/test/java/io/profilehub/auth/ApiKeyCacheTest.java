package io.profilehub.auth;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

@MicronautTest(transactional = false)
class ApiKeyCacheTest extends ServiceTest {

    @Test
    void aRevokedKeyIsRefusedAtOnceThoughItsAnswerWasCached() {
        Api.Response issued = api().post("/admin/api-keys", "{\"name\":\"short-lived\",\"scopes\":[\"profiles:read\"]}");
        assertEquals(201, issued.status(), issued.body());
        Api reader = api().withKey(issued.json().get("key").asText());
        assertEquals(404, reader.get("/identify/usr_AAAAAAAAAAAAAAAA").status());
        assertEquals(404, reader.get("/identify/usr_AAAAAAAAAAAAAAAA").status(), "served from the cache");
        assertEquals(403, reader.post("/identify", "{\"identifiers\":{\"a\":1}}").status(), "scopes come along");

        assertEquals(204, api().delete("/admin/api-keys/" + issued.json().get("id").asText()).status());
        assertEquals(401, reader.get("/identify/usr_AAAAAAAAAAAAAAAA").status());
        assertEquals(401, api().withKey("phk_never_issued").get("/identify/usr_AAAAAAAAAAAAAAAA").status());
    }
}
