package io.profilehub.outbox;

import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorHttp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether one destination is paused, as this instance's workers see it. The state lives in the database, shared by
 * every instance; it is read again every state interval (every {@link #PAUSED_RECHECK} while paused), or at once
 * after a state change was announced ({@link #markStale}).
 */
final class PauseState {
    private static final Logger LOG = LoggerFactory.getLogger(PauseState.class);
    /* A paused destination reads its state this often even without a notification (one read, no claims). */
    static final Duration PAUSED_RECHECK = Duration.ofSeconds(30);

    private final String destination;
    private final TransactionOperations<Connection> tx;
    private final DestinationStateRepository states;
    private final Duration stateInterval;
    private volatile boolean paused;
    private volatile boolean stale = true;
    /* Changes around a pause this instance makes, so a state read that overlaps it cannot undo it. */
    private final AtomicLong pauseGeneration = new AtomicLong();
    private volatile long readAt;
    private final Object lock = new Object();

    PauseState(String destination, TransactionOperations<Connection> tx, DestinationStateRepository states,
               Duration stateInterval) {
        this.destination = destination;
        this.tx = tx;
        this.states = states;
        this.stateInterval = stateInterval;
    }

    boolean paused() {
        return paused;
    }

    /** A state change (pause, resume) or a reconnect was announced: the next {@link #refresh} reads. */
    void markStale() {
        stale = true;
    }

    /*
     * One worker reads the state for all, and the others wait for its answer: without the lock, a worker woken by a
     * resume could see the read in progress as fresh, keep the old "paused" and sleep for PAUSED_RECHECK, and with
     * it the poller that retries parked profiles.
     */
    void refresh() {
        synchronized (lock) {
            long now = System.nanoTime();
            long interval = paused ? PAUSED_RECHECK.toNanos() : stateInterval.toNanos();
            if (!stale && now - readAt < interval) {
                return;
            }
            long generation = pauseGeneration.get();
            stale = false;
            DestinationStateRepository.State state = tx.executeRead(status ->
                    states.read(status.getConnection(), destination));
            if (pauseGeneration.get() != generation) {
                stale = true;
                return; // a worker paused meanwhile; read again on the next round
            }
            paused = state.paused();
            readAt = now;
        }
    }

    /** The vendor refused the credentials: the destination pauses, for every instance, until an operator resumes. */
    void pause(Outcome outcome) {
        if (paused) {
            return;
        }
        pauseGeneration.incrementAndGet();
        paused = true;
        // Shared by every workspace the destination serves: the cause, never the vendor's answer (it may echo a
        // profile); the log gets the answer's shape only.
        // A connector without HTTP statuses (Kafka) says in its own words what was refused and what to fix.
        String reason = outcome.status() == 0 && outcome.detail() != null ? outcome.detail()
                : "credentials refused (HTTP " + outcome.status() + "); fix the token and resume the destination";
        LOG.warn("Destination {} paused: {}; the vendor answered {}", destination, reason,
                VendorHttp.summary(outcome.detail()));
        tx.executeWrite(status -> {
            states.setPaused(status.getConnection(), destination, true, reason);
            return null;
        });
        pauseGeneration.incrementAndGet(); // reads from here on see the committed pause
    }
}
