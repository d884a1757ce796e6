package io.profilehub.outbox;

import io.profilehub.destination.DestinationSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each delivery worker of one destination runs: wait until there may be work (a signal, the poll, a parked
 * profile coming due), unless paused or the vendor is judged down; then a round: lease a few lanes of the change log,
 * read their next changes, hand them to the {@link RoundSender} and settle what it got in one transaction.
 */
final class ClaimLoop {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimLoop.class);
    /** Lanes of the log (db/V18). */
    static final int LANES = 64;
    /* Workers other than the first wait this long without a signal; the first one polls. */
    private static final Duration IDLE_WAIT = Duration.ofSeconds(60);

    private final DestinationSettings settings;
    private final OutboxSettings outbox;
    private final int maxBatchSize;
    private final LaneClaims claims;
    private final PauseState pause;
    private final VendorGate gate;
    private final Wakeup wakeup;
    private final RoundSender sender;
    private final RoundSettler settler;
    private final int lanesPerRound;
    /* When the earliest profile this instance parked becomes due (System.nanoTime), so the poller wakes for it. */
    private final AtomicLong nextDueNanos = new AtomicLong(Long.MAX_VALUE);
    private volatile boolean running = true;

    ClaimLoop(DestinationSettings settings, OutboxSettings outbox, int maxBatchSize, LaneClaims claims,
              PauseState pause, VendorGate gate, Wakeup wakeup, RoundSender sender, RoundSettler settler) {
        this.settings = settings;
        this.outbox = outbox;
        this.maxBatchSize = maxBatchSize;
        this.claims = claims;
        this.pause = pause;
        this.gate = gate;
        this.wakeup = wakeup;
        this.sender = sender;
        this.settler = settler;
        this.lanesPerRound = lanesPerRound(maxBatchSize, settings.concurrency(),
                Math.max(maxBatchSize, outbox.batchSize()));
    }

    /*
     * Lanes one round leases. A vendor that takes one user per request gets its throughput from concurrent workers,
     * so each leases its share of the 64, and no more lanes than the round's batch: a round sends its profiles one
     * request after another, and a worker holding every lane with work while it sends a few would leave the others
     * idle. One that takes batches gets its throughput from full requests, so a round leases every lane with work
     * (its other workers take over when one is busy sending).
     */
    static int lanesPerRound(int maxBatchSize, int concurrency, int batch) {
        if (maxBatchSize > 1) {
            return LANES;
        }
        return Math.max(1, Math.min(batch, LANES / Math.max(1, concurrency)));
    }

    /*
     * How deep a round reads each lane at least. DeliveryPlan composes a profile's consecutive changes into one
     * request, but only those the round holds: read one change per lane (batch-size 5, 2 workers), every request
     * carried one version, and a vendor answering in 250 ms drained ~8 changes/s however many waited. With 8, a
     * request carries up to 8 versions, and a round holds at most 8 changes per lane it leased (512 for a batching
     * vendor's 64 lanes).
     */
    static final int DEPTH = 8;

    /*
     * Changes read per lane and round: at least DEPTH, and enough that a round can fill its batch although changes
     * spread unevenly over lanes (twice, or four times across all 64), and no more, so that a round holds a few
     * batches in memory at most (40 workers reading 8 lanes of 100 changes filled the bench's 256 MB heap with full
     * GCs of up to 9.6 s). A fixed number, given by the destination's configuration alone and the same for every
     * kind of round: a worker that takes over a crashed one's lanes reads at least what that one may have sent, so no
     * profile gets an older version after a newer one (db/V18, RoundInput.read). A breaker's trial leases one lane
     * and sends one request only.
     */
    static int perLane(int batch, int lanesPerRound) {
        int spread = lanesPerRound == LANES ? 4 : 2;
        return Math.max(DEPTH, (spread * batch + lanesPerRound - 1) / lanesPerRound);
    }

    boolean running() {
        return running;
    }

    /** Stops every worker after its current round (one that is sending stops before its next request). */
    void stop() {
        running = false;
        wakeup.signalAll();
    }

    /** One worker's loop; {@code poller}: this one also looks every poll interval without a signal. */
    void run(String owner, boolean poller) {
        while (running) {
            try {
                long seen = wakeup.mark(); // a resume announced while the state below is read still wakes us
                pause.refresh();
                if (pause.paused()) {
                    wakeup.await(PauseState.PAUSED_RECHECK, seen);
                    continue;
                }
                if (!gate.tryAcquire()) {
                    wakeup.await(Duration.ofMillis(50)); // no database work while the vendor is down
                    continue;
                }
                Round round = runOnce(owner);
                if (round.more()) {
                    wakeup.signal(); // more than one round of work: another worker helps
                    continue;
                }
                if (round.changes() > 0) {
                    continue;
                }
                if (wakeup.await(poller ? nextPoll() : IDLE_WAIT) && !outbox.linger().isZero()) {
                    Thread.sleep(outbox.linger().toMillis()); // let a burst of commits share one round
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return; // stopping: what this round leased is released when the dispatcher stops
                }
                LOG.warn("Destination {}: delivery round failed: {}", settings.name(), failure(e));
                try {
                    wakeup.await(outbox.pollInterval());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The poller looks every poll interval (other instances' parked profiles, expired leases), or sooner. */
    private Duration nextPoll() {
        long untilDue = nextDueNanos.get() - System.nanoTime();
        long poll = outbox.pollInterval().toNanos();
        return Duration.ofNanos(Math.max(1_000_000, Math.min(poll, untilDue)));
    }

    /** What one round did: how many changes it read, and whether more work is likely waiting. */
    record Round(int changes, boolean more) {
        static final Round NONE = new Round(0, false);
    }

    /** One round, holding a breaker permission: lease lanes, read their changes, send, settle. */
    Round runOnce(String owner) {
        boolean trial = gate.trial();
        int batch = Math.max(maxBatchSize, outbox.batchSize());
        int lanes = trial ? 1 : lanesPerRound;
        int perLane = perLane(batch, lanesPerRound);
        if (nextDueNanos.get() <= System.nanoTime()) {
            // This round takes what is due (or finds it taken); whatever it parks sets the next due time again.
            // Left in the past, the poller would look again every millisecond.
            nextDueNanos.set(Long.MAX_VALUE);
        }
        Duration leaseFor = outbox.lease();
        Instant leaseEnds = Instant.now().plus(leaseFor);
        RoundInput input = claims.claim(settings, leaseFor, owner, lanes, perLane, trial ? 1 : batch);
        if (input.leases().isEmpty()) {
            gate.release();
            return Round.NONE;
        }
        // A pause announced while this round leased (stale state) is read now: nothing is sent, all is kept.
        pause.refresh();
        DeliveryPlan plan = DeliveryPlan.of(input.events());
        RoundSender.Answers answers = sender.send(plan.deliveries(), leaseEnds, this::running);
        RoundSettlement settlement = settler.settle(settings.name(), owner, input, plan, answers);
        settlement.earliestPark().ifPresent(due -> {
            long at = System.nanoTime() + Math.max(0, Duration.between(Instant.now(), due).toNanos());
            nextDueNanos.accumulateAndGet(at, Math::min);
        });
        return new Round(input.events().size(), input.more());
    }

    private static String failure(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql) {
                return e.getClass().getName() + " (SQLState " + sql.getSQLState() + ")";
            }
        }
        return e.getClass().getName();
    }
}
