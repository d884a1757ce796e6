package io.profilehub.destination.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.KafkaBroker;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka destination against a real broker (KRaft, a child JVM): records keyed by profile on the partition of the
 * profile's lane, in version order, carrying the webhook's event; erasures as an erase record and a tombstone;
 * records the broker refuses for good dead-lettered; refused access pausing the destination; a broker restart
 * losing nothing.
 */
@MicronautTest(transactional = false)
class KafkaDestinationTest extends ServiceTest {
    private static final int PARTITIONS = 6;
    private KafkaBroker broker;

    @Override
    protected Map<String, String> extraProperties() {
        broker = KafkaBroker.start("destination-test");
        broker.createTopic("profiles", PARTITIONS, Map.of());
        broker.createTopic("small", 2, Map.of("max.message.bytes", "2000"));
        broker.createTopic("locked", 2, Map.of());
        broker.createTopic("unacked", 2, Map.of());
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.outbox.poll-interval", "500ms");
        p.put("profilehub.outbox.retry.initial-delay", "200ms");
        p.put("profilehub.outbox.retry.max-delay", "1s");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "100ms");
        destination(p, "stream", broker.bootstrapServers(), "profiles");
        destination(p, "small", broker.bootstrapServers(), "small");
        destination(p, "locked", broker.saslBootstrapServers(), "locked");
        destination(p, "unacked", broker.bootstrapServers(), "unacked");
        p.put("profilehub.destinations.locked.properties.security.protocol", "SASL_PLAINTEXT");
        p.put("profilehub.destinations.locked.properties.sasl.mechanism", "PLAIN");
        p.put("profilehub.destinations.locked.properties.sasl.jaas.config",
                KafkaBroker.jaas(KafkaBroker.STRANGER, KafkaBroker.STRANGER_SECRET));
        return p;
    }

    private void destination(Map<String, String> p, String name, String servers, String topic) {
        p.put("profilehub.destinations." + name + ".type", "kafka");
        p.put("profilehub.destinations." + name + ".bootstrap-servers", servers);
        p.put("profilehub.destinations." + name + ".topic", topic);
        p.put("profilehub.destinations." + name + ".timeout", "4s");
        p.put("profilehub.destinations." + name + ".workspaces[0]", workspace);
    }

    @AfterAll
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void eachProfilesVersionsArriveInOrderOnItsLanesPartition() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            ids.add(api().post("/identify", "{\"identifiers\":{\"email\":\"order" + i + "@example.com\"},"
                    + "\"traits\":{\"step\":0}}").json().get("id").asText());
        }
        for (int step = 1; step <= 4; step++) {
            for (String id : ids) {
                assertEquals(200, api().post("/identify/" + id, "{\"traits\":{\"step\":" + step + ",\"s" + step
                        + "\":true}}").status());
            }
        }
        try (KafkaBroker.Reader reader = broker.reader("profiles")) {
            List<ConsumerRecord<String, byte[]>> records = reader.until(Duration.ofSeconds(60),
                    read -> ids.stream().allMatch(id -> lastVersion(read, id) == 5));
            for (String id : ids) {
                List<ConsumerRecord<String, byte[]>> mine = of(records, id);
                long lane = Rows.count("select min(lane) from profilehub.change_log where workspace_id = ? "
                        + "and profile_id = ?", workspace, id);
                ObjectNode replica = Api.json("{}").deepCopy();
                long previous = 0;
                for (ConsumerRecord<String, byte[]> r : mine) {
                    assertEquals(lane % PARTITIONS, r.partition(), "the lane's partition");
                    JsonNode event = Api.json(new String(r.value(), StandardCharsets.UTF_8));
                    long version = event.get("version").asLong();
                    assertTrue(version > previous, id + ": version " + version + " after " + previous);
                    previous = version;
                    assertEquals(workspace, header(r, KafkaConnector.WORKSPACE));
                    assertEquals(String.valueOf(version), header(r, KafkaConnector.VERSION));
                    assertEquals(id, event.get("profileId").asText());
                    assertEquals("profile.upsert", event.get("type").asText());
                    assertFalse(event.has("result"), "the webhook's document, without the engine's fields");
                    apply(replica, event.get("traits"));
                }
                assertTrue(header(mine.get(0), KafkaConnector.CAUSE).startsWith("create"));
                assertEquals(Api.json("{\"step\":4,\"s1\":true,\"s2\":true,\"s3\":true,\"s4\":true}"), replica,
                        "the patches in order give the profile's traits");
            }
        }
    }

    @Test
    void anErasureIsAnEraseRecordThenATombstone() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"gone@example.com\"},"
                + "\"traits\":{\"plan\":\"pro\"}}").json().get("id").asText();
        try (KafkaBroker.Reader reader = broker.reader("profiles")) {
            reader.until(Duration.ofSeconds(30), read -> lastVersion(read, id) == 1);
            assertEquals(202, api().delete("/identify/" + id).status());
            List<ConsumerRecord<String, byte[]>> mine = of(reader.until(Duration.ofSeconds(30),
                    read -> of(read, id).size() >= 3), id);
            assertEquals(3, mine.size());
            JsonNode erase = Api.json(new String(mine.get(1).value(), StandardCharsets.UTF_8));
            assertEquals("profile.erase", erase.get("type").asText());
            assertEquals(2, erase.get("version").asInt());
            assertFalse(erase.has("traits"), "an erasure carries no personal data");
            assertNull(mine.get(2).value(), "a tombstone, so a compacted topic forgets the person");
            assertEquals(mine.get(1).partition(), mine.get(2).partition());
            assertEquals("erasure", header(mine.get(2), KafkaConnector.CAUSE));
        }
    }

    @Test
    void aRecordTheBrokerRefusesForGoodIsDeadLetteredAndTheOthersGoOn() {
        // The topic "small" takes records of up to 2,000 bytes.
        StringBuilder traits = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            traits.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":\"").append("x".repeat(200)).append('"');
        }
        Api.Response created = api().post("/identify", "{\"identifiers\":{\"email\":\"big@example.com\"},"
                + "\"traits\":{" + traits + "}}");
        assertEquals(201, created.status(), created.body());
        String big = created.json().get("id").asText();
        String fine = api().post("/identify", "{\"identifiers\":{\"email\":\"fine@example.com\"}}").json()
                .get("id").asText();
        try (KafkaBroker.Reader reader = broker.reader("small")) {
            reader.until(Duration.ofSeconds(30), read -> lastVersion(read, fine) == 1);
        }
        Awaits.until(Duration.ofSeconds(30), () -> destination("small").get("dead").asLong() == 1);
        JsonNode small = destination("small");
        assertTrue(small.get("lastError").asText().startsWith("the broker refuses this record for good "
                + "(RecordTooLargeException)"), small.toString());
        JsonNode letters = api().get("/sync/dead-letters?destination=small").json().get("data");
        assertEquals(1, letters.size());
        assertEquals(big, letters.get(0).get("userId").asText());
        assertEquals(0, destination("stream").get("dead").asLong(), "the topic without the limit took it");
    }

    @Test
    void refusedAccessPausesTheDestinationUntilGrantedAndResumed() {
        // "locked" writes as SASL user "stranger" (client properties passed through), who has no ACL at first.
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"locked@example.com\"}}").json()
                .get("id").asText();
        Awaits.until(Duration.ofSeconds(30), () -> destination("locked").get("paused").asBoolean());
        JsonNode locked = destination("locked");
        assertTrue(locked.get("pausedReason").asText().contains("TopicAuthorizationException"), locked.toString());
        assertEquals(0, locked.get("dead").asLong(), "nothing dead-lettered: every record waits for the grant");
        assertEquals("kafka://" + broker.saslBootstrapServers() + "/locked", locked.get("url").asText());

        broker.allowWrite(KafkaBroker.STRANGER, "locked");
        assertEquals(200, api().post("/sync/destinations/locked/resume", "{}").status());
        try (KafkaBroker.Reader reader = broker.reader("locked")) {
            reader.until(Duration.ofSeconds(30), read -> lastVersion(read, id) == 1);
        }
    }

    @Test
    void nothingCountsAsDeliveredUntilTheBrokerAcknowledged() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"unacked@example.com\"}}").json()
                .get("id").asText();
        try (KafkaBroker.Reader reader = broker.reader("unacked")) {
            reader.until(Duration.ofSeconds(30), read -> lastVersion(read, id) == 1);
        }
        Awaits.until(Duration.ofSeconds(30), () -> destination("unacked").get("pending").asLong() == 0);
        long delivered = destination("unacked").get("deliveredLastHour").asLong();
        // The broker keeps its connections and the producer its metadata, but nothing is acknowledged.
        broker.freeze();
        try {
            assertEquals(200, api().post("/identify/" + id, "{\"traits\":{\"plan\":\"pro\"}}").status());
            Awaits.until(Duration.ofSeconds(30), () -> destination("unacked").path("lastError").asText()
                    .startsWith("no acknowledgement from the broker within 4000 ms"));
            JsonNode waiting = destination("unacked");
            assertEquals(delivered, waiting.get("deliveredLastHour").asLong(), waiting.toString());
            assertEquals(1, waiting.get("pending").asLong(), waiting.toString());
        } finally {
            broker.thaw();
        }
        try (KafkaBroker.Reader reader = broker.reader("unacked")) {
            reader.until(Duration.ofSeconds(90), read -> lastVersion(read, id) == 2);
        }
        Awaits.until(Duration.ofSeconds(30), () -> destination("unacked").get("pending").asLong() == 0);
    }

    @Test
    void aBrokerRestartLosesNothingAndKeepsEachProfilesOrder() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(api().post("/identify", "{\"identifiers\":{\"email\":\"restart" + i + "@example.com\"}}")
                    .json().get("id").asText());
        }
        try (KafkaBroker.Reader reader = broker.reader("profiles")) {
            reader.until(Duration.ofSeconds(30), read -> ids.stream().allMatch(id -> lastVersion(read, id) == 1));
        }
        broker.stop();
        try {
            for (int step = 1; step <= 3; step++) {
                for (String id : ids) {
                    assertEquals(200, api().post("/identify/" + id, "{\"traits\":{\"step\":" + step + "}}")
                            .status());
                }
            }
            // Retried with backoff while the broker is away; nothing is given up.
            Awaits.until(Duration.ofSeconds(30), () -> destination("stream").path("lastError").asText()
                    .endsWith("retrying"));
            assertEquals(0, destination("stream").get("dead").asLong());
        } finally {
            broker.start();
        }
        try (KafkaBroker.Reader reader = broker.reader("profiles")) {
            List<ConsumerRecord<String, byte[]>> records = reader.until(Duration.ofSeconds(90),
                    read -> ids.stream().allMatch(id -> lastVersion(read, id) == 4));
            for (String id : ids) {
                long previous = 0;
                for (ConsumerRecord<String, byte[]> r : of(records, id)) {
                    long version = Api.json(new String(r.value(), StandardCharsets.UTF_8)).get("version").asLong();
                    assertTrue(version >= previous, id + ": version " + version + " after " + previous);
                    previous = version;
                }
            }
        }
    }

    private JsonNode destination(String name) {
        for (JsonNode d : api().get("/sync/destinations").json().get("data")) {
            if (d.get("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError("no destination " + name);
    }

    private static long lastVersion(List<ConsumerRecord<String, byte[]>> records, String id) {
        List<ConsumerRecord<String, byte[]>> mine = of(records, id);
        if (mine.isEmpty() || mine.get(mine.size() - 1).value() == null) {
            return mine.isEmpty() ? 0 : -1;
        }
        return Api.json(new String(mine.get(mine.size() - 1).value(), StandardCharsets.UTF_8)).get("version")
                .asLong();
    }

    private static List<ConsumerRecord<String, byte[]>> of(List<ConsumerRecord<String, byte[]>> records, String id) {
        return records.stream().filter(r -> r.key().endsWith(":" + id)).toList();
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** JSON Merge Patch (RFC 7396), as a consumer applies an upsert's traits. */
    private static void apply(ObjectNode target, JsonNode patch) {
        patch.fields().forEachRemaining(f -> {
            if (f.getValue().isNull()) {
                target.remove(f.getKey());
            } else if (f.getValue().isObject() && target.path(f.getKey()).isObject()) {
                apply((ObjectNode) target.get(f.getKey()), f.getValue());
            } else {
                target.set(f.getKey(), f.getValue().deepCopy());
            }
        });
    }
}
