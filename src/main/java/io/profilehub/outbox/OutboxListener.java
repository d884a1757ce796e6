package io.profilehub.outbox;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Holds one connection in LISTEN profilehub_outbox and passes each notification (a destination name) on, so
 * workers start on a committed event within milliseconds instead of waiting for their next poll. A lost connection
 * is opened again a second later.
 */
final class OutboxListener {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxListener.class);
    static final String CHANNEL = "profilehub_outbox";
    private static final long RECONNECT_SECONDS = 1;

    private final DataSource dataSource;
    private final Consumer<String> onNotification;
    private final Runnable onReconnect;
    private final IntConsumer onBackend;
    /* One daemon thread: it listens, and waits there for the next attempt while the database is away. */
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread t = new Thread(task, "outbox-listener");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running = true;
    private boolean warned;

    OutboxListener(DataSource dataSource, Consumer<String> onNotification, Runnable onReconnect,
                   IntConsumer onBackend) {
        this.onBackend = onBackend;
        this.dataSource = dataSource;
        this.onNotification = onNotification;
        this.onReconnect = onReconnect;
    }

    void start() {
        thread.execute(this::listen);
    }

    void stop() {
        running = false;
        thread.shutdownNow();
    }

    /** Waits until the thread gave its connection back (within a second, its poll), so the pool can close. */
    void awaitStopped(long millis) {
        try {
            thread.awaitTermination(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listen() {
        if (!running) {
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            try (Statement s = connection.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
            }
            PGConnection pg = connection.unwrap(PGConnection.class);
            onBackend.accept(pg.getBackendPID());
            warned = false;
            onReconnect.run(); // anything committed while we were not listening is picked up now
            while (running) {
                PGNotification[] notifications = pg.getNotifications(1000);
                if (notifications == null) {
                    continue;
                }
                for (PGNotification n : notifications) {
                    onNotification.accept(n.getParameter());
                }
            }
        } catch (Exception e) {
            if (!running) {
                return;
            }
            if (!warned) {
                LOG.warn("Outbox listener lost its connection ({}); workers poll until it is back", e.toString());
                warned = true;
            }
            try {
                thread.schedule(this::listen, RECONNECT_SECONDS, TimeUnit.SECONDS);
            } catch (RejectedExecutionException stopped) {
                // stopping: nothing to listen for any more
            }
        }
    }
}
