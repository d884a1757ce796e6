package io.profilehub.faults;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.KafkaBroker;
import io.profilehub.support.TestDatabase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two instances deliver one workspace's changes to one Kafka topic (a real broker): one in this JVM, the other a
 * child process killed with SIGKILL mid-batch. A consumer of the topic then finds every acknowledged step of every
 * profile, per profile in version order, with repeats only of what the killed instance held in flight.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KafkaTwoInstancesCrashTest {
    private static final String DESTINATION = "stream";
    private static final String TOPIC = "changes";
    private final String workspace = "ws_kafka_twins";
    private final String key = "phk_ktwins_" + UUID.randomUUID().toString().replace("-", "");
    private KafkaBroker broker;
    private ServiceProcess doomed;
    private EmbeddedServer survivor;
    private Audit audit;

    @BeforeAll
    void setUp() {
        broker = KafkaBroker.start("two-instances");
        broker.createTopic(TOPIC, 8, Map.of());
        String url = TestDatabase.createExtraDatabase("ktwins");
        audit = new Audit(url, TestDatabase.username(), TestDatabase.password(), workspace).only(List.of(DESTINATION));
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.outbox.lease", "4s");
        p.put("profilehub.outbox.poll-interval", "500ms");
        p.put("profilehub.outbox.retry.initial-delay", "100ms");
        p.put("profilehub.outbox.retry.max-delay", "1s");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "50ms");
        String prefix = "profilehub.destinations." + DESTINATION + ".";
        p.put(prefix + "type", "kafka");
        p.put(prefix + "bootstrap-servers", broker.bootstrapServers());
        p.put(prefix + "topic", TOPIC);
        p.put(prefix + "timeout", "3s");
        p.put(prefix + "concurrency", "2");
        // Small rounds, so that the kill finds one in flight.
        p.put(prefix + "batch-size", "10");
        doomed = new ServiceProcess("kafka-twin-killed", url, TestDatabase.username(), TestDatabase.password(),
                workspace, key, p);

        Map<String, Object> inJvm = new HashMap<>(p);
        inJvm.put("datasources.default.url", url + (url.contains("?") ? "&" : "?") + "ApplicationName=kafka-survivor");
        inJvm.put("datasources.default.username", TestDatabase.username());
        inJvm.put("datasources.default.password", TestDatabase.password());
        inJvm.put("profilehub.bootstrap.api-key", key);
        inJvm.put("profilehub.bootstrap.workspace", workspace);
        inJvm.put("micronaut.server.port", "-1");
        survivor = ApplicationContext.run(EmbeddedServer.class, inJvm);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (doomed != null) {
            doomed.close();
        }
        if (survivor != null) {
            survivor.getApplicationContext().close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void nothingAcknowledgedIsLostAndEachProfileStaysInOrder() throws Exception {
        doomed.start(Duration.ofMinutes(2));
        String doomedId = doomed.instanceId();
        Api viaDoomed = doomed.api();
        Api viaSurvivor = new Api(survivor.getURI(), key);
        Writers writers = new Writers("ktwins", 40, 8, 0, 0, 5, Duration.ofSeconds(20),
                () -> doomed.alive() ? List.of(viaDoomed, viaSurvivor) : List.of(viaSurvivor)).start();

        Set<String> owners = ConcurrentHashMap.newKeySet();
        Awaits.until(Duration.ofSeconds(90), () -> {
            try {
                owners.addAll(audit.instancesInFlight());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return writers.ackCount() >= 150 && owners.contains(doomedId) && owners.size() >= 2
                    && owners.contains(doomedId) && inFlight(doomedId);
        });
        String sessions = doomed.applicationName();
        doomed.kill();
        long ackedAtKill = writers.ackCount();
        audit.awaitSessionsGone(sessions, Duration.ofSeconds(30));
        Set<String> held = audit.inFlightOf(doomedId, 10);
        Awaits.until(Duration.ofSeconds(90), () -> writers.ackCount() >= ackedAtKill + 150);
        writers.stop(Duration.ofSeconds(60));
        Duration drained = audit.awaitDrained(Duration.ofSeconds(90));

        assertTrue(writers.anomalies.isEmpty(), "client-side anomalies: " + writers.anomalies);
        Map<String, Integer> last = writers.lastStepById();
        audit.checkDatabase(last, List.of(DESTINATION));
        List<ConsumerRecord<String, byte[]>> records;
        try (KafkaBroker.Reader reader = broker.reader(TOPIC)) {
            records = reader.until(Duration.ofSeconds(60), read -> last.entrySet().stream()
                    .allMatch(e -> lastVersion(read, e.getKey()) >= e.getValue()));
        }
        Audit.KafkaReport report = Audit.checkKafka(DESTINATION, records, last, held);
        System.out.printf("FAULTS kafka two instances: owners seen %s; %d profiles, %d steps acknowledged (%d before "
                        + "the kill); %d events held by the killed instance; drained %d ms after the writers stopped; "
                        + "%s%n", owners, last.size(), writers.ackCount(), ackedAtKill, held.size(), drained.toMillis(),
                report);
        // The checks above hold either way; a kill that found nothing in flight (a broker acknowledges in
        // milliseconds, so a round is often settled by the time the kill lands) did not test the killed batch: such a
        // run is reported as aborted, not passed.
        org.junit.jupiter.api.Assumptions.assumeFalse(held.isEmpty(),
                "the kill came while the killed instance held no events in flight");
    }

    private boolean inFlight(String instanceId) {
        try {
            return !audit.inFlightOf(instanceId, 10).isEmpty();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int lastVersion(List<ConsumerRecord<String, byte[]>> records, String id) {
        int latest = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.key().endsWith(":" + id) && r.value() != null) {
                latest = Math.max(latest, io.profilehub.support.Api.json(new String(r.value(), StandardCharsets.UTF_8))
                        .path("version").asInt());
            }
        }
        return latest;
    }
}
