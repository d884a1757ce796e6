package io.profilehub.destination.kafka;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Destinations;
import io.profilehub.support.FailedStart;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Kafka destination names where it sends in its own options; a setting delivery depends on cannot be changed. */
class KafkaDestinationConfigTest {
    private static final String K = "profilehub.destinations.stream.";

    @Test
    void misconfiguredKafkaDestinationsStopStartUpNamingTheKey() {
        assertStartupFails(Map.of(K + "type", "kafka", K + "topic", "t"), K + "bootstrap-servers is missing");
        assertStartupFails(Map.of(K + "type", "kafka", K + "bootstrap-servers", "127.0.0.1"),
                K + "bootstrap-servers has '127.0.0.1', which is not host:port");
        assertStartupFails(Map.of(K + "type", "kafka", K + "bootstrap-servers", "127.0.0.1:9092", K + "topic", "a b"),
                K + "topic 'a b' is not a Kafka topic name");
        assertStartupFails(Map.of(K + "type", "kafka", K + "bootstrap-servers", "127.0.0.1:9092", K + "topic", "t",
                K + "url", "https://example.com"), K + "url is not an option of kafka destinations");
        assertStartupFails(Map.of(K + "type", "kafka", K + "bootstrap-servers", "127.0.0.1:9092", K + "topic", "t",
                K + "properties.acks", "1"), K + "properties.acks is set by ProfileHub and cannot be changed");
        assertStartupFails(Map.of(K + "type", "kafka", K + "bootstrap-servers", "127.0.0.1:9092", K + "topic", "t",
                K + "properties.security.protocl", "SSL"), K + "properties.security.protocl is not a Kafka producer "
                + "setting");
    }

    @Test
    void aKafkaDestinationStartsWithItsAddressAsUrlAndNoToken() {
        Map<String, Object> props = base();
        props.put(K + "type", "kafka");
        props.put(K + "bootstrap-servers", "127.0.0.1:9092, 127.0.0.2:9092");
        props.put(K + "topic", "profile-changes");
        props.put(K + "properties.compression.type", "lz4");
        try (ApplicationContext context = ApplicationContext.run(EmbeddedServer.class, props).getApplicationContext()) {
            DestinationSettings stream = context.getBean(Destinations.class).get("stream").orElseThrow();
            assertEquals("kafka://127.0.0.1:9092,127.0.0.2:9092/profile-changes", stream.url().toString());
            assertNull(stream.token());
        }
    }

    private static void assertStartupFails(Map<String, Object> destination, String message) {
        Map<String, Object> props = base();
        props.putAll(destination);
        Throwable failure = FailedStart.of(props);
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains(message), "start-up failure should say " + message + ":\n" + messages);
    }

    private static Map<String, Object> base() {
        Map<String, Object> props = new HashMap<>(TestDatabase.datasourceProperties());
        props.put("micronaut.server.port", "-1");
        return props;
    }
}
