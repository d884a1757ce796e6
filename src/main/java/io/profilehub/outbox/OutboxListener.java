package io.profilehub.outbox;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.util.function.Consumer;

/**
 * Holds one connection in LISTEN profilehub_outbox and passes each notification (a destination name) on, so
 * workers start on a committed event within milliseconds instead of waiting for their next poll.
 */
final class OutboxListener implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxListener.class);
    static final String CHANNEL = "profilehub_outbox";

    private final DataSource dataSource;
    private final Consumer<String> onNotification;
    private final Runnable onReconnect;
    private final java.util.function.IntConsumer onBackend;
    private volatile boolean running = true;
    private Thread thread;

    OutboxListener(DataSource dataSource, Consumer<String> onNotification, Runnable onReconnect,
                   java.util.function.IntConsumer onBackend) {
        this.onBackend = onBackend;
        this.dataSource = dataSource;
        this.onNotification = onNotification;
        this.onReconnect = onReconnect;
    }

    void start() {
        thread = new Thread(this, "outbox-listener");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Waits until the thread gave its connection back (within a second, its poll), so the pool can close. */
    void awaitStopped(long millis) {
        if (thread != null) {
            try {
                thread.join(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        boolean warned = false;
        while (running) {
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
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
