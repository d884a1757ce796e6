package io.profilehub.outbox;

import io.profilehub.ids.RandomTokens;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.scheduling.annotation.Scheduled;
import io.profilehub.destination.ConnectorRegistry;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Destinations;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
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
    private final OutboxCollaborators deps;
    private final DataSource dataSource;
    private final Map<String, DestinationDispatcher> dispatchers = new LinkedHashMap<>();
    private final String instanceId = RandomTokens.of("inst_", 8);
    private OutboxListener listener;
    private volatile boolean stopped;

    private final OutboxSignal signal;

    public OutboxEngine(Destinations destinations, ConnectorRegistry connectors, OutboxCollaborators deps,
                        DataSource dataSource, OutboxSignal signal) {
        this.signal = signal;
        this.destinations = destinations;
        this.connectors = connectors;
        this.deps = deps;
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
            if (settings.timeout().plusSeconds(1).compareTo(deps.settings().lease()) > 0) {
                throw new ConfigurationException("profilehub.outbox.lease (" + deps.settings().lease()
                        + ") must be at least a second longer than profilehub.destinations." + settings.name()
                        + ".timeout (" + settings.timeout() + ")");
            }
            DestinationDispatcher dispatcher = new DestinationDispatcher(settings,
                    connectors.get(settings.name()).orElseThrow(), deps, instanceId);
            dispatchers.put(settings.name(), dispatcher);
        }
        if (dispatchers.isEmpty()) {
            return;
        }
        deps.tx().executeWrite(status -> {
            for (DestinationSettings settings : destinations.all()) {
                if (settings.enabled()) {
                    deps.deliveries().register(status.getConnection(), settings.name(), settings.workspaces());
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

    /** A notification from any instance: "state:name" (pause, resume, dead letters retried) or a name (changes). */
    void heard(String payload) {
        if (payload.startsWith("state:")) {
            wake(payload.substring("state:".length()));
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
        deps.metrics().backlog(dispatchers.keySet(),
                deps.tx().executeRead(status -> deps.deliveries().backlog(status.getConnection())));
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
        dispatchers.values().parallelStream().forEach(d -> d.stop(deps.settings().shutdownGrace()));
        if (listener != null) {
            listener.awaitStopped(2000);
        }
    }
}
