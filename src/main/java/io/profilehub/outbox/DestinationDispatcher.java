package io.profilehub.outbox;

import io.profilehub.destination.DestinationSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The delivery workers of one destination: {@code concurrency} threads of its own executor, each running the
 * {@link ClaimLoop}, restarted when it dies of anything. Each destination has its own threads, so a slow, failing or
 * paused vendor never holds up the others.
 */
final class DestinationDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DestinationDispatcher.class);
    /* After the grace, interrupted workers still settle what they sent: the leases are released after that. */
    private static final Duration SETTLE_AFTER_INTERRUPT = Duration.ofSeconds(1);

    private final DestinationSettings settings;
    private final String instanceId;
    private final ClaimLoop loop;
    private final PauseState pause;
    private final Wakeup wakeup;
    private final LaneClaims claims;
    private final VendorGate gate;
    private final DeliveryMetrics metrics;
    private final Duration restartDelay;
    private final List<String> owners = new ArrayList<>();
    private ExecutorService workers;

    DestinationDispatcher(DestinationSettings settings, String instanceId, ClaimLoop loop, PauseState pause,
                          Wakeup wakeup, LaneClaims claims, VendorGate gate, DeliveryMetrics metrics,
                          Duration restartDelay) {
        this.settings = settings;
        this.instanceId = instanceId;
        this.loop = loop;
        this.pause = pause;
        this.wakeup = wakeup;
        this.claims = claims;
        this.gate = gate;
        this.metrics = metrics;
        this.restartDelay = restartDelay;
    }

    String name() {
        return settings.name();
    }

    void start() {
        workers = Executors.newFixedThreadPool(settings.concurrency(), namedThreads("outbox-" + settings.name() + "-"));
        for (int slot = 0; slot < settings.concurrency(); slot++) {
            String owner = instanceId + ":" + settings.name() + ":" + slot;
            owners.add(owner);
            boolean poller = slot == 0;
            workers.execute(() -> supervise(owner, poller));
        }
    }

    /**
     * Runs one worker's loop, and runs it again whatever ends it while the destination is running: an Error
     * (OutOfMemoryError, StackOverflowError) or any other Throwable out of a round would otherwise end the worker for
     * good, and with the last one the destination's delivery for every workspace it serves. What the dead round
     * leased is given back at once, so the lanes are read again (at least once: what it sent unsettled may go twice).
     */
    private void supervise(String owner, boolean poller) {
        while (loop.running()) {
            try {
                loop.run(owner, poller);
                return; // it returns only when stopping or interrupted
            } catch (Throwable died) {
                if (!loop.running()) {
                    return;
                }
                // The class only: a message may quote what was being sent or what the vendor said.
                LOG.error("Destination {}: delivery worker {} died of {}; restarting it in {} ms", settings.name(),
                        owner, died.getClass().getName(), restartDelay.toMillis());
                metrics.workerRestarted(settings.name());
                recover(owner);
                try {
                    Thread.sleep(restartDelay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /* Best effort: whatever fails here, the restart still happens, and leases end by themselves. */
    private void recover(String owner) {
        try {
            gate.recover();
            claims.release(List.of(owner));
        } catch (Throwable t) {
            LOG.warn("Destination {}: could not release the leases of worker {} ({}); they will expire",
                    settings.name(), owner, t.getClass().getName());
        }
    }

    /* Daemon threads: a worker never keeps the JVM alive (shutdown stops them in order anyway). */
    private static ThreadFactory namedThreads(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A state change (pause, resume) or a reconnect was announced: every worker looks. */
    void wake() {
        pause.markStale();
        wakeup.signalAll();
    }

    /** New changes for this destination committed: one worker looks. */
    void wakeForEvents() {
        wakeup.signal();
    }

    /**
     * Stops claiming; in-flight requests have {@code grace} to finish, then their workers are interrupted, and
     * whatever is still leased is released for others.
     */
    void stop(Duration grace) {
        loop.stop();
        if (workers != null) {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
                    workers.shutdownNow();
                    // An interrupted worker still settles what it sent; wait for that, so the release sees the
                    // final state.
                    workers.awaitTermination(SETTLE_AFTER_INTERRUPT.toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                workers.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        try {
            claims.release(owners);
        } catch (RuntimeException e) {
            LOG.warn("Destination {}: could not release its lanes at shutdown ({}); their leases will expire",
                    settings.name(), e.getClass().getName());
        }
    }
}
