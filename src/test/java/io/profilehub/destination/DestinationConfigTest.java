package io.profilehub.destination;

import io.profilehub.support.FailedStart;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A misconfigured destination stops start-up with a message naming the key. */
class DestinationConfigTest {

    @Test
    void unknownTypeMissingUrlOrTokenStopStartUp() {
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "carrier-pigeon",
                "profilehub.destinations.crm.url", "https://example.com", "profilehub.destinations.crm.token", "t"),
                "profilehub.destinations.crm.type");
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.token", "t"), "profilehub.destinations.crm.url");
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.url", "https://example.com"), "profilehub.destinations.crm.token");
        assertStartupFails(Map.of("profilehub.destinations.crm.url", "https://example.com",
                "profilehub.destinations.crm.token", "t"), "profilehub.destinations.crm.type");
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.url", "ftp://example.com", "profilehub.destinations.crm.token", "t"),
                "profilehub.destinations.crm.url");
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.url", "https://example.com", "profilehub.destinations.crm.token", "t",
                "profilehub.destinations.crm.concurrency", "zero"), "profilehub.destinations.crm.concurrency");
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.url", "https://example.com", "profilehub.destinations.crm.token", "t",
                "profilehub.destinations.crm.timeout", "90s"), "profilehub.destinations.crm.timeout");
    }

    @Test
    void everyTypeRefusesAnUnknownOptionNamingIt() {
        for (String type : java.util.List.of("webhook", "ours", "vero", "thrivestack", "marketap")) {
            Map<String, Object> destination = new HashMap<>(Map.of("profilehub.destinations.crm.type", type,
                    "profilehub.destinations.crm.url", "https://example.com", "profilehub.destinations.crm.token", "t",
                    "profilehub.destinations.crm.sekret", "s"));
            if (type.equals("marketap")) {
                destination.put("profilehub.destinations.crm.project-id", "p");
            }
            assertStartupFails(destination, "profilehub.destinations.crm.sekret is not an option of " + type);
        }
        // A webhook sends the whole event: vendor options such as a field mapping are refused, not ignored.
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.url", "https://example.com", "profilehub.destinations.crm.token", "t",
                "profilehub.destinations.crm.mapping.traits.plan", "p"), "profilehub.destinations.crm.mapping.traits.plan");
    }

    @Test
    void valuesAreConvertedByTheFrameworkAndBadOnesNamed() {
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.url", "https://example.com", "profilehub.destinations.crm.token", "t",
                "profilehub.destinations.crm.rate-limit", "fast"), "profilehub.destinations.crm.rate-limit");
        assertStartupFails(Map.of("profilehub.destinations.crm.type", "webhook",
                "profilehub.destinations.crm.url", "https://example.com", "profilehub.destinations.crm.token", "t",
                "profilehub.destinations.crm.enabled", "maybe"), "profilehub.destinations.crm.enabled");
        Map<String, Object> props = base();
        props.put("profilehub.destinations.crm.type", "webhook");
        props.put("profilehub.destinations.crm.url", "https://example.com/hook");
        props.put("profilehub.destinations.crm.token", "t");
        props.put("profilehub.destinations.crm.timeout", "1500ms");
        props.put("profilehub.destinations.crm.concurrency", "7");
        try (ApplicationContext context = ApplicationContext.run(EmbeddedServer.class, props).getApplicationContext()) {
            DestinationSettings crm = context.getBean(Destinations.class).get("crm").orElseThrow();
            assertEquals(java.time.Duration.ofMillis(1500), crm.timeout());
            assertEquals(7, crm.concurrency());
        }
    }

    @Test
    void aWellConfiguredDestinationStarts() {
        Map<String, Object> props = base();
        props.put("profilehub.destinations.crm.type", "webhook");
        props.put("profilehub.destinations.crm.url", "https://example.com/hook/");
        props.put("profilehub.destinations.crm.token", "secret-token-value");
        props.put("profilehub.destinations.crm.workspaces", "a,b");
        props.put("profilehub.destinations.crm.rate-limit", "0.5");
        try (ApplicationContext context = ApplicationContext.run(EmbeddedServer.class, props).getApplicationContext()) {
            DestinationSettings crm = context.getBean(Destinations.class).get("crm").orElseThrow();
            assertEquals("https://example.com/hook", crm.url().toString());
            assertEquals(java.util.List.of("a", "b"), crm.workspaces());
            assertEquals(0.5, crm.rateLimit());
            assertTrue(!crm.toString().contains("secret-token-value"), "no token in toString");
            assertEquals(java.util.List.of("crm"), context.getBean(Destinations.class).namesFor("a"));
            assertEquals(java.util.List.of(), context.getBean(Destinations.class).namesFor("c"));
        }
    }

    private static void assertStartupFails(Map<String, Object> destination, String key) {
        Map<String, Object> props = base();
        props.putAll(destination);
        Throwable failure = FailedStart.of(props);
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains(key), "start-up failure should name " + key + ":\n" + messages);
    }

    private static Map<String, Object> base() {
        Map<String, Object> props = new HashMap<>(TestDatabase.datasourceProperties());
        props.put("micronaut.server.port", "-1");
        return props;
    }
}
