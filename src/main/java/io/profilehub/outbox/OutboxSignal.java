package io.profilehub.outbox;

import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.profilehub.destination.Destinations;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Announces committed outbox events. Writers call it after their transaction commits: this instance's workers are
 * woken at once, and one NOTIFY per destination (and one per workspace, "changes:<workspace>", for the pull feed's
 * waiting readers), sent from a short transaction of its own on the notifier thread, wakes the other instances.
 * Commits announced while a NOTIFY round is under way share the next round.
 *
 * <p>Why not NOTIFY inside the writing transaction (a trigger, as before V10): PostgreSQL serialises every
 * transaction that notifies on one cluster-wide lock held until its commit is flushed, so every profile write waited
 * for the previous one's fsync — about 400 writes/s on the benchmark machine against 2,600 without it.
 */
@Singleton
public class OutboxSignal {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxSignal.class);

    private final Destinations destinations;
    private final DataSource dataSource;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private volatile Consumer<String> local = destination -> { };
    private volatile Consumer<String> localState = destination -> { };
    private final List<Consumer<String>> commitListeners = new CopyOnWriteArrayList<>();
    /* Its one daemon thread starts with the first announcement. */
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "outbox-notifier");
        thread.setDaemon(true);
        return thread;
    });
    /* A NOTIFY round is queued and has not started: later announcements join it. */
    private final AtomicBoolean roundQueued = new AtomicBoolean();
    private volatile boolean stopped;

    public OutboxSignal(Destinations destinations, DataSource dataSource) {
        this.destinations = destinations;
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    /** The workers of this instance, woken directly. */
    void onLocal(Consumer<String> wake) {
        this.local = wake;
    }

    /** The workers of this instance, told that a destination's state (pause, resume) changed. */
    void onLocalStateChange(Consumer<String> wake) {
        this.localState = wake;
    }

    /**
     * A destination was paused or resumed. Other instances hear it from the NOTIFY sent with the change; this
     * instance's workers are told at once, so a request made right after the pause's answer cannot be delivered
     * by a worker that has not yet heard of it.
     */
    public void stateChanged(String destination) {
        localState.accept(destination);
    }

    /**
     * Told the workspace of every change this instance commits, whether or not a destination serves it: readers of
     * the pull feed (feed/) waiting for a workspace's next change.
     */
    public void onCommit(Consumer<String> listener) {
        commitListeners.add(listener);
    }

    /** NOTIFY payload of a workspace's commit, for other instances' feed readers: "changes:" and the workspace. */
    static final String COMMIT_PREFIX = "changes:";

    /** A transaction that may have written events for any destination of this workspace has committed. */
    public void committed(String workspaceId) {
        heardCommit(workspaceId);
        announce(COMMIT_PREFIX + workspaceId);
        for (String destination : destinations.namesFor(workspaceId)) {
            destinationChanged(destination);
        }
    }

    /** Another instance committed changes of this workspace (or this one did): wake the feed's readers. */
    void heardCommit(String workspaceId) {
        for (Consumer<String> listener : commitListeners) {
            listener.accept(workspaceId);
        }
    }

    /** A transaction that wrote events for this destination has committed. */
    public void destinationChanged(String destination) {
        local.accept(destination);
        announce(destination);
    }

    /* Queued for the next NOTIFY round; commits announced while one is under way share the next. */
    private void announce(String payload) {
        pending.add(payload);
        if (!stopped && roundQueued.compareAndSet(false, true)) {
            try {
                notifier.execute(this::notifyPending);
            } catch (RejectedExecutionException e) {
                // stopping: other instances' workers poll
            }
        }
    }

    private void notifyPending() {
        roundQueued.set(false); // before draining: whatever comes after this is in this round or queues the next
        if (stopped) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (String name : pending) {
            pending.remove(name);
            names.add(name);
        }
        if (!names.isEmpty()) {
            notifyAll(names);
        }
    }

    /*
     * Another instance listens when a session other than ours last ran our LISTEN: looked up every few seconds, so
     * that a lone instance sends no NOTIFY transactions at all (a new instance is noticed within that time; its
     * workers poll meanwhile).
     */
    private static final long OTHERS_RECHECK_NANOS = 5_000_000_000L;
    private static final String OTHERS_LISTENING = "select exists (select 1 from pg_stat_activity"
            + " where datname = current_database() and pid <> pg_backend_pid() and pid <> ?"
            + " and query = 'LISTEN " + OutboxListener.CHANNEL + "')";
    private volatile int ownListenerPid;
    private long othersCheckedAt = System.nanoTime() - OTHERS_RECHECK_NANOS;
    private boolean othersListening = true;

    /** The backend of this instance's own LISTEN connection, which is not another instance. */
    void ownListener(int pid) {
        ownListenerPid = pid;
    }

    private boolean othersListening(Connection c) throws java.sql.SQLException {
        long now = System.nanoTime();
        if (now - othersCheckedAt >= OTHERS_RECHECK_NANOS) {
            try (PreparedStatement ps = c.prepareStatement(OTHERS_LISTENING)) {
                ps.setInt(1, ownListenerPid);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    othersListening = rs.getBoolean(1);
                }
            }
            othersCheckedAt = now;
        }
        return othersListening;
    }

    /* The notification is only a wake-up (workers also poll), so its commit need not wait for the disk. */
    private void notifyAll(List<String> names) {
        try (Connection c = dataSource.getConnection()) {
            if (!othersListening(c)) {
                return;
            }
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "select set_config('synchronous_commit', 'off', true), pg_notify('" + OutboxListener.CHANNEL
                            + "', d) from unnest(?::text[]) as d")) {
                ps.setArray(1, c.createArrayOf("text", names.toArray()));
                ps.execute();
                c.commit();
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (Exception e) {
            LOG.debug("Could not notify other instances ({}); their workers poll", e.toString());
        }
    }

    @PreDestroy
    void stop() {
        stopped = true;
        notifier.shutdown(); // a round under way finishes; none starts
    }
}
