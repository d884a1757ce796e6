package io.profilehub.auth;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest(transactional = false)
class RateLimitTest extends ServiceTest {
    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.rate-limit.enabled", "true", "profilehub.rate-limit.requests-per-second", "5");
    }

    @Test
    void aKeyOverItsLimitGets429WithRetryAfterWhileOtherKeysGoOn() {
        String other = api().post("/admin/api-keys", "{\"name\":\"other\",\"scopes\":[\"profiles:read\"]}").json().get("key").asText();
        Api.Response limited = null;
        for (int i = 0; i < 50 && limited == null; i++) {
            Api.Response r = api().get("/identify?limit=1");
            if (r.status() == 429) {
                limited = r;
            } else {
                assertEquals(200, r.status());
            }
        }
        assertNotNull(limited, "50 requests at once never hit a limit of 5 per second");
        assertEquals("application/problem+json", limited.header("Content-Type"));
        assertTrue(Long.parseLong(limited.header("Retry-After")) >= 1);
        assertEquals(200, api().withKey(other).get("/identify?limit=1").status(), "limits are per key");
    }
}
