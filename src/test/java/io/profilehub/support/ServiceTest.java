package io.profilehub.support;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.TestInstance;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Base of the API tests: the service runs on a random port against this run's database, in a workspace of the
 * test class's own, with an all-scopes bootstrap key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServiceTest implements TestPropertyProvider {
    protected final String workspace = "ws_" + UUID.randomUUID().toString().substring(0, 8);
    protected final String adminKey = "phk_test_" + UUID.randomUUID().toString().replace("-", "");

    @Inject
    protected EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> properties = new HashMap<>(TestDatabase.datasourceProperties());
        properties.put("micronaut.server.port", "-1");
        properties.put("profilehub.bootstrap.api-key", adminKey);
        properties.put("profilehub.bootstrap.workspace", workspace);
        properties.putAll(extraProperties());
        return properties;
    }

    /** Further configuration for a test class (destinations, tuning). */
    protected Map<String, String> extraProperties() {
        return Map.of();
    }

    protected Api api() {
        return new Api(server.getURI(), adminKey);
    }

    /** The management listener (metrics, detailed health, operator actions): loopback, no key. */
    protected Api management() {
        int port = server.getApplicationContext().getRequiredProperty("profilehub.management.port", Integer.class);
        return new Api(java.net.URI.create("http://127.0.0.1:" + port), null);
    }
}
