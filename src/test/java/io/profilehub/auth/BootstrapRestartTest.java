package io.profilehub.auth;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.support.Api;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bootstrap keys across restarts of the service against one database. */
class BootstrapRestartTest {
    private final String workspace = "ws_" + UUID.randomUUID().toString().substring(0, 8);
    private final String key = "phk_restart_" + UUID.randomUUID().toString().replace("-", "");

    @Test
    void aRevokedBootstrapKeyStaysRevokedAfterARestart() {
        Map<String, Object> config = config(key);
        String id;
        try (EmbeddedServer first = ApplicationContext.run(EmbeddedServer.class, config)) {
            Api api = new Api(first.getURI(), key);
            List<String> ids = api.get("/admin/api-keys").json().findValuesAsText("id");
            assertEquals(1, ids.size(), ids.toString());
            id = ids.get(0);
            assertEquals(204, api.delete("/admin/api-keys/" + id).status());
            assertProblem(api.get("/identify?limit=1"), 401, "revoked");
        }
        try (EmbeddedServer second = ApplicationContext.run(EmbeddedServer.class, config)) {
            assertProblem(new Api(second.getURI(), key).get("/identify?limit=1"), 401, "revoked");

            // Rotation: a new key in the configuration, and the old one stays refused.
            String rotated = "phk_rotated_" + UUID.randomUUID().toString().replace("-", "");
            try (EmbeddedServer third = ApplicationContext.run(EmbeddedServer.class, config(rotated))) {
                Api api = new Api(third.getURI(), rotated);
                assertEquals(200, api.get("/identify?limit=1").status());
                assertProblem(api.withKey(key).get("/identify?limit=1"), 401, "revoked");
            }
        }
    }

    /** Issue 19, item 12: the same secret configured under another workspace name is still the revoked key. */
    @Test
    void aRevokedBootstrapKeyStaysRevokedUnderAnotherWorkspaceName() {
        String secret = "phk_moved_" + UUID.randomUUID().toString().replace("-", "");
        try (EmbeddedServer first = ApplicationContext.run(EmbeddedServer.class, config(secret))) {
            Api api = new Api(first.getURI(), secret);
            String id = api.get("/admin/api-keys").json().findValuesAsText("id").get(0);
            assertEquals(204, api.delete("/admin/api-keys/" + id).status());
        }
        Map<String, Object> elsewhere = config(secret);
        elsewhere.put("profilehub.bootstrap.workspace", "ws_other_" + UUID.randomUUID().toString().substring(0, 8));
        try (EmbeddedServer second = ApplicationContext.run(EmbeddedServer.class, elsewhere)) {
            assertProblem(new Api(second.getURI(), secret).get("/identify?limit=1"), 401, "revoked");
        }
    }

    private Map<String, Object> config(String bootstrapKey) {
        Map<String, Object> config = new HashMap<>(TestDatabase.datasourceProperties());
        config.put("micronaut.server.port", -1);
        config.put("profilehub.bootstrap.api-key", bootstrapKey);
        config.put("profilehub.bootstrap.workspace", workspace);
        return config;
    }
}
