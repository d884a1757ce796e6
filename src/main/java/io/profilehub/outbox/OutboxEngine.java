package io.profilehub.outbox;

import io.profilehub.ids.RandomTokens;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.ConnectorRegistry;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Destinations;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starts one dispatcher per enabled destination, each with cursors on every lane of the change log, and the LISTEN
 * connection that wakes them.
 */
@Singleton
@Requires(property = "profilehub.outbox.enabled", notEquals = "false")
public class OutboxEngine {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxEngine.class);

    private final Destinations destinations;
    private final ConnectorRegistry connectors;
    private final DispatcherFactory dispatcherFactory;
    private final OutboxSettings settings;
    private final TransactionOperations<Connection> tx;
    private final DeliveryRepository deliveries;
    private final DeliveryMetrics metrics;
    private final DataSource dataSource;
    private final Map<String, DestinationDispatcher> dispatchers = new LinkedHashMap<>();
    private final String instanceId = RandomTokens.of("inst_", 8);
    private OutboxListener listener;
    private volatile boolean stopped;

    private final OutboxSignal signal;

    OutboxEngine(Destinations destinations, ConnectorRegistry connectors, DispatcherFactory dispatcherFactory,
                 OutboxSettings settings, TransactionOperations<Connection> tx, DeliveryRepository deliveries,
                 DeliveryMetrics metrics, DataSource dataSource, OutboxSignal signal) {
        this.signal = signal;
        this.destinations = destinations;
        this.connectors = connectors;
        this.dispatcherFactory = dispatcherFactory;
        this.settings = settings;
        this.tx = tx;
        this.deliveries = deliveries;
        this.metrics = metrics;
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    @EventListener
    synchronized void onStartup(StartupEvent event) {
        if (!dispatchers.isEmpty() || stopped) {
            return;
        }
        for (DestinationSettings settings : destinations.all()) {
            if (!settings.enabled()) {
                continue;
            }
            if (settings.timeout().plusSeconds(1).compareTo(this.settings.lease()) > 0) {
                throw new ConfigurationException("profilehub.outbox.lease (" + this.settings.lease()
                        + ") must be at least a second longer than profilehub.destinations." + settings.name()
                        + ".timeout (" + settings.timeout() + ")");
            }
            DestinationDispatcher dispatcher = dispatcherFactory.create(settings,
                    connectors.get(settings.name()).orElseThrow(), instanceId);
            dispatchers.put(settings.name(), dispatcher);
        }
        if (dispatchers.isEmpty()) {
            return;
        }
        tx.executeWrite(status -> {
            for (DestinationSettings settings : destinations.all()) {
                if (settings.enabled()) {
                    deliveries.register(status.getConnection(), settings.name(), settings.workspaces());
                }
            }
            return null;
        });
        signal.onLocal(this::wakeForEvents);
        signal.onLocalStateChange(this::wake);
        listener = new OutboxListener(dataSource, this::heard, this::wakeAll, signal::ownListener);
        listener.start();
        dispatchers.values().forEach(DestinationDispatcher::start);
        LOG.info("Outbox engine {} delivering to {}", instanceId, dispatchers.keySet());
    }

    /**
     * A notification from any instance: "state:name" (pause, resume, dead letters retried), "changes:workspace" (a
     * commit, for the pull feed's readers) or a name (changes).
     */
    void heard(String payload) {
        if (payload.startsWith("state:")) {
            wake(payload.substring("state:".length()));
        } else if (payload.startsWith(OutboxSignal.COMMIT_PREFIX)) {
            signal.heardCommit(payload.substring(OutboxSignal.COMMIT_PREFIX.length()));
        } else {
            wakeForEvents(payload);
        }
    }

    void wake(String destination) {
        DestinationDispatcher dispatcher = dispatchers.get(destination);
        if (dispatcher != null) {
            dispatcher.wake();
        }
    }

    void wakeForEvents(String destination) {
        DestinationDispatcher dispatcher = dispatchers.get(destination);
        if (dispatcher != null) {
            dispatcher.wakeForEvents();
        }
    }

    void wakeAll() {
        dispatchers.values().forEach(DestinationDispatcher::wake);
    }

    @Scheduled(fixedDelay = "${profilehub.outbox.metrics-interval:15s}", initialDelay = "1s")
    void publishBacklog() {
        if (dispatchers.isEmpty() || stopped) {
            return;
        }
        metrics.backlog(dispatchers.keySet(), tx.executeRead(status -> deliveries.backlog(status.getConnection())));
    }

    @EventListener
    void onShutdown(ShutdownEvent event) {
        stop();
    }

    @PreDestroy
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (listener != null) {
            listener.stop();
        }
        dispatchers.values().parallelStream().forEach(d -> d.stop(settings.shutdownGrace()));
        if (listener != null) {
            listener.awaitStopped(2000);
        }
    }
}
