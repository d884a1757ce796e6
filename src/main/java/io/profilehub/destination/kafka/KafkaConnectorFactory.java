package io.profilehub.destination.kafka;

import io.micronaut.context.exceptions.ConfigurationException;
import io.profilehub.destination.Connector;
import io.profilehub.destination.ConnectorFactory;
import io.profilehub.destination.DestinationSettings;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * {@code type: kafka}: every change of the destination's workspaces as a record on one topic. Options:
 * {@code bootstrap-servers} (host:port, comma-separated), {@code topic}, and {@code properties.<producer setting>},
 * handed to the Kafka producer as they are (security protocol, SASL, TLS, compression, ...; see
 * {@link KafkaProducerSettings}). The producers close when the application stops.
 * <p>
 * Plain {@code kafka-clients}, not Micronaut Kafka: destinations are configured at run time, each with its own
 * cluster and client settings, and the connector chooses each record's partition and waits for each
 * acknowledgement itself; Micronaut Kafka's declarative clients bind one {@code kafka.*} configuration and would add
 * its consumers and health checks that nothing here uses (and it pins kafka-clients 3.9.1).
 */
@Singleton
public class KafkaConnectorFactory implements ConnectorFactory {
    static final String BOOTSTRAP_SERVERS = "bootstrap-servers";
    static final String TOPIC = "topic";
    static final String PROPERTIES = "properties.";
    private static final Pattern SERVER = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+):\\d{1,5}");
    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    private final List<KafkaConnector> connectors = new CopyOnWriteArrayList<>();

    @Override
    public String type() {
        return "kafka";
    }

    @Override
    public Set<String> options() {
        return Set.of(BOOTSTRAP_SERVERS, TOPIC, PROPERTIES);
    }

    @Override
    public boolean http() {
        return false;
    }

    /** {@code kafka://<bootstrap servers>/<topic>}, for the operator's views. */
    @Override
    public URI address(String key, Map<String, Object> options) {
        String servers = bootstrapServers(key, options);
        String topic = topic(key, options);
        try {
            return new URI("kafka://" + servers + "/" + topic);
        } catch (java.net.URISyntaxException e) {
            throw new ConfigurationException(key + "." + BOOTSTRAP_SERVERS + " '" + servers
                    + "' cannot be written as an address: " + e.getReason());
        }
    }

    static String bootstrapServers(String key, Map<String, Object> options) {
        String servers = String.valueOf(options.getOrDefault(BOOTSTRAP_SERVERS, "")).trim();
        if (servers.isEmpty()) {
            throw new ConfigurationException(key + "." + BOOTSTRAP_SERVERS + " is missing; list the brokers as "
                    + "host:port, comma-separated");
        }
        for (String server : servers.split(",")) {
            if (!SERVER.matcher(server.trim()).matches()) {
                throw new ConfigurationException(key + "." + BOOTSTRAP_SERVERS + " has '" + server.trim()
                        + "', which is not host:port");
            }
        }
        return servers.replace(" ", "");
    }

    static String topic(String key, Map<String, Object> options) {
        String topic = String.valueOf(options.getOrDefault(TOPIC, "")).trim();
        if (topic.isEmpty()) {
            throw new ConfigurationException(key + "." + TOPIC + " is missing");
        }
        if (!TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new ConfigurationException(key + "." + TOPIC + " '" + topic + "' is not a Kafka topic name "
                    + "(1 to 249 of the letters, digits, '.', '_' and '-')");
        }
        return topic;
    }

    @Override
    public Connector create(DestinationSettings settings) {
        KafkaProducerSettings producer = KafkaProducerSettings.of(settings);
        KafkaConnector connector = new KafkaConnector(settings, producer);
        connectors.add(connector);
        return connector;
    }

    @PreDestroy
    void close() {
        connectors.forEach(KafkaConnector::close);
    }
}
