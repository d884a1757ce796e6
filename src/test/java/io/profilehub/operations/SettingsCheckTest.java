package io.profilehub.operations;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.support.FailedStart;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code profilehub.*} setting is judged when the service starts: a key nothing reads, a value that does not
 * convert, or one its configuration class's constraints refuse stops start-up with one sentence naming the key
 * (before, the first was ignored, the second ran with the default, and the third started a service answering 500).
 */
class SettingsCheckTest {

    /** A configuration class added later, as another part of ProfileHub would: its keys need no list to be known. */
    @ConfigurationProperties("profilehub.added-later")
    @Requires(property = "settings-check-test")
    record AddedLater(@Nullable Integer widgets) {
    }

    @Test
    void aValueItsConfigurationClassRefusesStopsStartUpNamingTheKeyAndTheRule() {
        assertRefused(Map.of("profilehub.limits.max-profile-bytes", "100"),
                "profilehub.limits.max-profile-bytes must be at least 1024, not '100'");
        assertRefused(Map.of("profilehub.outbox.retry.max-attempts", "0"),
                "profilehub.outbox.retry.max-attempts must be greater than zero, not '0'");
        assertRefused(Map.of("profilehub.database.lock-timeout", "5m"),
                "profilehub.database.lock-timeout must be a PostgreSQL time such as 500ms, 30s, 5min or 1h "
                        + "(0 turns it off), not '5m'");
        assertRefused(Map.of("profilehub.management.port", "70000"),
                "profilehub.management.port must be a port number (0-65535), not '70000'");
        assertRefused(Map.of("profilehub.outbox.lease", "0s"),
                "profilehub.outbox.lease must be longer than zero, not PT0S");
        assertRefused(Map.of("profilehub.idempotency.retention", "-1h"),
                "profilehub.idempotency.retention must not be negative, not '-1h'");
    }

    @Test
    void aValueThatDoesNotConvertStopsStartUpInsteadOfRunningWithTheDefault() {
        assertRefused(Map.of("profilehub.outbox.lease", "abc"),
                "profilehub.outbox.lease cannot be read from 'abc': it must be a duration such as 500ms, 30s, 5m, 2h "
                        + "or 7d");
        assertRefused(Map.of("profilehub.outbox.enabled", "flase"),
                "profilehub.outbox.enabled cannot be read from 'flase': it must be true or false");
        assertRefused(Map.of("profilehub.auth.key-cache-ttl", "soon"),
                "profilehub.auth.key-cache-ttl cannot be read from 'soon'");
        assertRefused(Map.of("profilehub.limits.max-profile-bytes", "lots"),
                "profilehub.limits.max-profile-bytes cannot be read from 'lots': it must be a whole number");
    }

    @Test
    void anUnknownKeyStopsStartUpNamingItAndTheClosestKnownOne() {
        assertRefused(Map.of("profilehub.outbox.max-attempt", "3"),
                "profilehub.outbox.max-attempt is not a ProfileHub setting; did you mean "
                        + "profilehub.outbox.retry.max-attempts?");
        assertRefused(Map.of("profilehub.limits.max-profile-byte", "300000"),
                "profilehub.limits.max-profile-byte is not a ProfileHub setting; did you mean "
                        + "profilehub.limits.max-profile-bytes?");
        assertRefused(Map.of("profilehub.added-later.widgets", "3", "profilehub.added-later.widget", "3",
                        "settings-check-test", "true"),
                "profilehub.added-later.widget is not a ProfileHub setting; did you mean "
                        + "profilehub.added-later.widgets?");
    }

    @Test
    void everyKindOfKnownKeyStarts() {
        Map<String, Object> config = database();
        config.put("settings-check-test", "true");
        config.put("profilehub.added-later.widgets", "3");                   // a configuration class of any package
        config.put("profilehub.auth.key-cache-ttl", "2s");                   // @Value
        config.put("profilehub.outbox.metrics-interval", "15s");             // @Scheduled
        config.put("profilehub.project-dir", "/tmp");                        // set by the pom for mn:run
        config.put("profilehub.embedded-db.directory", ".profilehub/pg");    // read before the context exists
        config.put("profilehub.bootstrap.keys[0].workspace", "ws_" + UUID.randomUUID().toString().substring(0, 8));
        config.put("profilehub.bootstrap.keys[0].key", "phk_" + UUID.randomUUID().toString().replace("-", ""));
        config.put("profilehub.bootstrap.keys[0].scopes", "profiles:read");  // below a list
        config.put("profilehub.destinations.crm.type", "webhook");           // Destinations checks these
        config.put("profilehub.destinations.crm.url", "http://127.0.0.1:9/crm");
        config.put("profilehub.destinations.crm.token", "t");
        config.put("profilehub.destinations.crm.enabled", "false");
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, config)) {
            assertEquals(3, server.getApplicationContext().getBean(AddedLater.class).widgets());
        }
    }

    private static void assertRefused(Map<String, Object> settings, String sentence) {
        Map<String, Object> config = database();
        config.putAll(settings);
        Throwable refused = FailedStart.of(config);
        ConfigurationException reason = null;
        for (Throwable t = refused; t != null && reason == null; t = t.getCause()) {
            reason = t instanceof ConfigurationException c ? c : null;
        }
        assertNotNull(reason, "a configuration error, not " + refused);
        assertTrue(reason.getMessage().startsWith(sentence), reason.getMessage());
        assertEquals(1, reason.getMessage().split("\n").length, reason.getMessage());
    }

    private static Map<String, Object> database() {
        Map<String, Object> config = new HashMap<>(TestDatabase.datasourceProperties());
        config.put("micronaut.server.port", -1);
        return config;
    }
}
