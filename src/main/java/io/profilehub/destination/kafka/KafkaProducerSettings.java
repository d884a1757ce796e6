package io.profilehub.destination.kafka;

import io.micronaut.context.exceptions.ConfigurationException;
import io.profilehub.destination.DestinationSettings;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The producer configuration of one Kafka destination: ours, then the destination's {@code properties.*} on top.
 * <p>
 * Some settings are ours alone, because delivery depends on them: the brokers and topic (options of their own), the
 * serializers, {@code acks=all} and the idempotent producer (the broker keeps one copy of a record the producer
 * sent again, in order), the partitioner (a profile's lane picks the partition) and the time limits, which follow
 * the destination's {@code timeout}: a record is given up ({@code delivery.timeout.ms}) and {@code send} stops
 * waiting for metadata or buffer space ({@code max.block.ms}) within it, so an unacknowledged record is reported
 * as failed before the round's lease can run out, never still in flight behind a later one. Setting one of these,
 * or a key the producer does not know, stops start-up naming it. In an environment variable, a setting's dots are
 * underscores ({@code PROFILEHUB_DESTINATIONS_STREAM_PROPERTIES_SECURITY_PROTOCOL}): Kafka's keys have no
 * underscores, so each one stands for a dot.
 */
record KafkaProducerSettings(String topic, Duration timeout, Properties properties) {
    private static final Set<String> OURS = Set.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.PARTITIONER_CLASS_CONFIG,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ProducerConfig.MAX_BLOCK_MS_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    static KafkaProducerSettings of(DestinationSettings settings) {
        String key = "profilehub.destinations." + settings.name();
        Map<String, Object> options = settings.options();
        Duration timeout = settings.timeout();
        Properties p = new Properties();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "profilehub-" + settings.name());
        // Records of one round leave together; a few milliseconds let the producer fill its per-partition batches.
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(128 * 1024));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(1000, timeout.toMillis() / 2)));
        Map<String, String> given = new TreeMap<>();
        options.forEach((option, value) -> {
            if (option.startsWith(KafkaConnectorFactory.PROPERTIES)) {
                given.put(option.substring(KafkaConnectorFactory.PROPERTIES.length()).replace('_', '.'),
                        String.valueOf(value));
            }
        });
        given.forEach((setting, value) -> {
            String full = key + "." + KafkaConnectorFactory.PROPERTIES + setting;
            if (OURS.contains(setting)) {
                throw new ConfigurationException(full + " is set by ProfileHub and cannot be changed: "
                        + (setting.equals(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) ? "use " + key + "."
                        + KafkaConnectorFactory.BOOTSTRAP_SERVERS
                        : setting.endsWith(".ms") ? "use " + key + ".timeout"
                        : "delivery depends on it (acks=all, idempotence, lane partitions, no transactions)"));
            }
            if (!ProducerConfig.configNames().contains(setting)) {
                throw new ConfigurationException(full + " is not a Kafka producer setting");
            }
            p.put(setting, value);
        });
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaConnectorFactory.bootstrapServers(key, options));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(timeout.toMillis()));
        long requestTimeout = Long.parseLong(p.getProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG));
        long linger = Long.parseLong(p.getProperty(ProducerConfig.LINGER_MS_CONFIG));
        if (requestTimeout + linger > timeout.toMillis()) {
            throw new ConfigurationException(key + "." + KafkaConnectorFactory.PROPERTIES
                    + ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG + " plus linger.ms must be at most " + key
                    + ".timeout (" + timeout.toMillis() + " ms), within which a record is given up");
        }
        return new KafkaProducerSettings(KafkaConnectorFactory.topic(key, options), timeout, p);
    }
}
