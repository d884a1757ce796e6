package io.profilehub.destination.kafka;

import io.profilehub.destination.ChangeOrigin;
import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Writes a round's deliveries to the topic and answers only when the broker has acknowledged each (or refused, or
 * the destination's timeout passed): the engine settles the round, and moves the lanes' cursors, after this returns.
 * <p>
 * Key {@code <workspaceId>:<profileId>}; partition: the profile's lane of the change log modulo the topic's
 * partitions, so all of a profile's records are in one partition, in the order of its versions (one delivery per
 * profile and round, and a round settles before the lane's next one is read); value: the event document a webhook
 * receives. An erasure is its {@code profile.erase} record followed by a tombstone (null value) for the key, so a
 * compacted topic forgets the person. Headers name the workspace, version, cause(s) and source(s).
 * <p>
 * One producer per destination, shared by its workers (the producer is thread-safe and batches per partition across
 * them).
 */
final class KafkaConnector implements Connector {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnector.class);
    static final String WORKSPACE = "profilehub-workspace";
    static final String VERSION = "profilehub-version";
    static final String CAUSE = "profilehub-cause";
    static final String SOURCE = "profilehub-source";
    static final String SOURCE_KEY = "profilehub-source-key";
    /** Deliveries of one request when the destination sets no batch-size: a round of the change log's lanes. */
    static final int DEFAULT_BATCH = 1000;

    private final DestinationSettings settings;
    private final KafkaProducerSettings producerSettings;
    private final Function<KafkaProducerSettings, Producer<String, byte[]>> producers;
    private final int batch;
    private Producer<String, byte[]> producer;

    KafkaConnector(DestinationSettings settings, KafkaProducerSettings producerSettings) {
        this(settings, producerSettings, p -> new KafkaProducer<>(p.properties()));
    }

    KafkaConnector(DestinationSettings settings, KafkaProducerSettings producerSettings,
                   Function<KafkaProducerSettings, Producer<String, byte[]>> producers) {
        this.settings = settings;
        this.producerSettings = producerSettings;
        this.producers = producers;
        this.batch = settings.batchSize() == null ? DEFAULT_BATCH : settings.batchSize();
        this.producer = producers.apply(producerSettings);
    }

    @Override
    public int maxBatchSize() {
        return batch;
    }

    @Override
    public List<Outcome> send(List<Delivery> deliveries) {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        Producer<String, byte[]> producer = current();
        int partitions;
        try {
            // From the producer's metadata; blocks (up to the timeout) only while it has none for the topic.
            partitions = producer.partitionsFor(producerSettings.topic()).size();
        } catch (KafkaException e) {
            Outcome failed = KafkaFailures.outcome(e, settings.timeout(), "no metadata for topic "
                    + producerSettings.topic());
            return deliveries.stream().map(d -> failed).toList();
        }
        List<List<Future<RecordMetadata>>> sent = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            List<Future<RecordMetadata>> futures = new ArrayList<>(2);
            for (ProducerRecord<String, byte[]> record : records(delivery, partitions)) {
                futures.add(send(producer, record));
            }
            sent.add(futures);
        }
        List<Outcome> outcomes = new ArrayList<>(deliveries.size());
        boolean fatal = false;
        for (List<Future<RecordMetadata>> futures : sent) {
            Outcome outcome = Outcome.delivered(0);
            for (Future<RecordMetadata> future : futures) {
                Outcome one = await(future, deadline);
                fatal |= one.kind() == Outcome.Kind.RETRY && one.detail() != null
                        && one.detail().startsWith(KafkaFailures.PRODUCER_FAILED);
                if (one.kind() != Outcome.Kind.DELIVERED) {
                    outcome = one; // the tombstone counts as much as the erasure record before it
                    break;
                }
            }
            outcomes.add(outcome);
        }
        if (fatal) {
            replace(producer);
        }
        return outcomes;
    }

    private Future<RecordMetadata> send(Producer<String, byte[]> producer, ProducerRecord<String, byte[]> record) {
        try {
            return producer.send(record);
        } catch (KafkaException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Outcome await(Future<RecordMetadata> future, long deadline) {
        try {
            future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return Outcome.delivered(0);
        } catch (ExecutionException e) {
            return KafkaFailures.outcome(e.getCause(), settings.timeout(), null);
        } catch (TimeoutException e) {
            return Outcome.retry(0, "no acknowledgement from the broker within " + settings.timeout().toMillis()
                    + " ms", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.retry(0, "interrupted while sending (shutting down)", null);
        }
    }

    /** The record of a delivery and, for an erasure, the tombstone after it. */
    List<ProducerRecord<String, byte[]>> records(Delivery delivery, int partitions) {
        String key = delivery.workspaceId() + ":" + delivery.profileId();
        int partition = partition(delivery.lane(), key, partitions);
        byte[] value = delivery.document().toString().getBytes(StandardCharsets.UTF_8);
        List<Header> headers = headers(delivery);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(producerSettings.topic(), partition, key, value,
                headers);
        if (!delivery.isDelete()) {
            return List.of(record);
        }
        return List.of(record, new ProducerRecord<>(producerSettings.topic(), partition, key, null, headers));
    }

    /** The lane's partition; a delivery read from no lane gets the one Kafka's default partitioner would pick. */
    static int partition(int lane, String key, int partitions) {
        if (lane >= 0) {
            return lane % partitions;
        }
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static List<Header> headers(Delivery delivery) {
        List<Header> headers = new ArrayList<>(5);
        headers.add(header(WORKSPACE, delivery.workspaceId()));
        headers.add(header(VERSION, delivery.event().path("version").asText()));
        optional(headers, CAUSE, delivery.origins().stream().map(ChangeOrigin::cause).toList());
        optional(headers, SOURCE, delivery.origins().stream().map(ChangeOrigin::sourceLabel).toList());
        optional(headers, SOURCE_KEY, delivery.origins().stream().map(ChangeOrigin::sourceKeyId).toList());
        return headers;
    }

    /** A composed delivery names each distinct cause (source) of its changes, in order, comma-separated. */
    private static void optional(List<Header> headers, String name, List<String> values) {
        List<String> distinct = values.stream().filter(Objects::nonNull).distinct().toList();
        if (!distinct.isEmpty()) {
            headers.add(header(name, String.join(",", distinct)));
        }
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private synchronized Producer<String, byte[]> current() {
        return producer;
    }

    /**
     * A producer that failed as a whole (fenced, its idempotence state lost, closed) sends nothing more: the next
     * round gets a new one, and what this one did not deliver is retried through it.
     */
    private synchronized void replace(Producer<String, byte[]> failed) {
        if (producer != failed) {
            return;
        }
        LOG.warn("Destination {}: the Kafka producer failed as a whole; starting a new one", settings.name());
        producer = producers.apply(producerSettings);
        failed.close(Duration.ZERO);
    }

    synchronized void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
