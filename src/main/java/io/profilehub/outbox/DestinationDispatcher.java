package io.profilehub.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorHttp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The delivery workers of one destination: {@code concurrency} threads, each of which leases a few lanes of the
 * change log, reads their next changes, sends them and settles the round in one transaction. Each destination has
 * its own threads, so a slow, failing or paused vendor never holds up the others.
 */
final class DestinationDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DestinationDispatcher.class);
    /* How connectors mark what they refused to send (README: a detail starting "not sent:"). */
    private static final String NOT_SENT = "not sent:";
    /** Lanes of the log (db/V18). */
    static final int LANES = 64;
    /* A paused destination reads its state this often even without a notification (one read, no claims). */
    private static final Duration PAUSED_RECHECK = Duration.ofSeconds(30);
    /* Workers other than the first wait this long without a signal; the first one polls. */
    private static final Duration IDLE_WAIT = Duration.ofSeconds(60);

    private final DestinationSettings settings;
    private final Connector connector;
    private final OutboxCollaborators deps;
    private final String instanceId;
    private final RateLimiter rateLimiter;
    private final CircuitBreaker breaker;
    private final Wakeup wakeup = new Wakeup();
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> owners = new ArrayList<>();
    private volatile boolean running;
    private volatile boolean paused;
    private volatile boolean stateStale = true;
    /* Changes around a pause this dispatcher makes, so a state read that overlaps it cannot undo it. */
    private final AtomicLong pauseGeneration = new AtomicLong();
    private volatile long stateReadAt;
    private final Object stateLock = new Object();
    /* When the earliest profile this instance parked becomes due (System.nanoTime), so the poller wakes for it. */
    private final AtomicLong nextDueNanos = new AtomicLong(Long.MAX_VALUE);
    private final int lanesPerRound;

    DestinationDispatcher(DestinationSettings settings, Connector connector, OutboxCollaborators deps,
                          String instanceId) {
        this.settings = settings;
        this.connector = connector;
        this.deps = deps;
        this.instanceId = instanceId;
        this.rateLimiter = settings.rateLimit() == null ? null : rateLimiter(settings);
        this.breaker = breaker(settings, deps.settings());
        this.lanesPerRound = lanesPerRound();
    }

    private static RateLimiter rateLimiter(DestinationSettings settings) {
        double perSecond = settings.rateLimit();
        int permits = (int) Math.max(1, Math.round(perSecond));
        Duration period = Duration.ofNanos((long) (permits / perSecond * 1_000_000_000L));
        return RateLimiter.of("destination-" + settings.name(), RateLimiterConfig.custom()
                .limitForPeriod(permits).limitRefreshPeriod(period).timeoutDuration(Duration.ofMinutes(5)).build());
    }

    /*
     * A vendor that fails (5xx, timeouts, 429) for nearly every request is down for everybody: the breaker opens
     * and the destination stops reading its lanes, so a vendor outage costs no rows per waiting change. It tries
     * one request again after the retry delay, doubling while it keeps failing. Failures of single profiles among
     * successes never reach the threshold; those profiles are parked and the lanes move on.
     */
    private static CircuitBreaker breaker(DestinationSettings settings, OutboxSettings outbox) {
        OutboxSettings.Retry retry = outbox.retry();
        return CircuitBreaker.of("destination-" + settings.name(), CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(outbox.breakerMinimumCalls())
                .failureRateThreshold(90)
                .permittedNumberOfCallsInHalfOpenState(1)
                .waitIntervalFunctionInOpenState(IntervalFunction.ofExponentialBackoff(retry.initialDelay(),
                        retry.multiplier(), retry.maxDelay()))
                .build());
    }

    String name() {
        return settings.name();
    }

    /*
     * Lanes one round leases. A vendor that takes one user per request gets its throughput from concurrent workers,
     * so each leases its share of the 64; one that takes batches gets it from full requests, so a round leases every
     * lane with work (its other workers take over when one is busy sending).
     */
    private int lanesPerRound() {
        return connector.maxBatchSize() > 1 ? LANES : Math.max(1, LANES / Math.max(1, settings.concurrency()));
    }

    /*
     * Changes read per lane and round: enough that a round can fill its batch although changes spread unevenly over
     * lanes (twice, or four times across all 64), and no more, so that a round holds a few batches in memory at most
     * (40 workers reading 8 lanes of 100 changes filled the bench's 256 MB heap with full GCs of up to 9.6 s). The
     * same for every kind of round: a worker that takes over a crashed one's lanes reads at least what that one may
     * have sent, so no profile gets an older version after a newer one. A breaker's trial leases one lane and sends
     * one request only.
     */
    private int perLane(int batch) {
        int spread = lanesPerRound == LANES ? 4 : 2;
        return Math.max(1, (spread * batch + lanesPerRound - 1) / lanesPerRound);
    }

    CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    void start() {
        running = true;
        for (int slot = 0; slot < settings.concurrency(); slot++) {
            String owner = instanceId + ":" + settings.name() + ":" + slot;
            owners.add(owner);
            boolean poller = slot == 0;
            Thread thread = new Thread(() -> loop(owner, poller), "outbox-" + settings.name() + "-" + slot);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** A state change (pause, resume) or a reconnect was announced: every worker looks. */
    void wake() {
        stateStale = true;
        wakeup.signalAll();
    }

    /** New changes for this destination committed: one worker looks. */
    void wakeForEvents() {
        wakeup.signal();
    }

    /** Stops claiming; in-flight requests finish, and whatever is still leased is released for others. */
    void stop(Duration grace) {
        running = false;
        wakeup.signalAll();
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread.interrupt();
        }
        // An interrupted worker still settles what it sent; wait for that, so the release below sees the final state.
        for (Thread thread : threads) {
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            deps.tx().executeWrite(status -> {
                for (String owner : owners) {
                    deps.deliveries().releaseOwner(status.getConnection(), owner);
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("Destination {}: could not release its lanes at shutdown ({}); their leases will expire",
                    settings.name(), e.getClass().getName());
        }
    }

    private void loop(String owner, boolean poller) {
        while (running) {
            try {
                long seen = wakeup.mark(); // a resume announced while the state below is read still wakes us
                refreshState();
                if (paused) {
                    wakeup.await(PAUSED_RECHECK, seen);
                    continue;
                }
                if (!breaker.tryAcquirePermission()) {
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
                if (wakeup.await(poller ? nextPoll() : IDLE_WAIT) && !deps.settings().linger().isZero()) {
                    Thread.sleep(deps.settings().linger().toMillis()); // let a burst of commits share one round
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return; // stopping: what this round leased is released by stop()
                }
                LOG.warn("Destination {}: delivery round failed: {}", settings.name(), failure(e));
                try {
                    wakeup.await(deps.settings().pollInterval());
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
        long poll = deps.settings().pollInterval().toNanos();
        return Duration.ofNanos(Math.max(1_000_000, Math.min(poll, untilDue)));
    }

    /*
     * One worker reads the state for all, and the others wait for its answer: without the lock, a worker woken by a
     * resume could see the read in progress as fresh, keep the old "paused" and sleep for PAUSED_RECHECK, and with
     * it the poller that retries parked profiles.
     */
    private void refreshState() {
        synchronized (stateLock) {
            long now = System.nanoTime();
            long interval = paused ? PAUSED_RECHECK.toNanos() : deps.settings().stateInterval().toNanos();
            if (!stateStale && now - stateReadAt < interval) {
                return;
            }
            long generation = pauseGeneration.get();
            stateStale = false;
            DestinationStateRepository.State state = deps.tx().executeRead(status ->
                    deps.states().read(status.getConnection(), settings.name()));
            if (pauseGeneration.get() != generation) {
                stateStale = true;
                return; // a worker paused meanwhile; read again on the next round
            }
            paused = state.paused();
            stateReadAt = now;
        }
    }

    /** What one round did: how many changes it read, and whether more work is likely waiting. */
    record Round(int changes, boolean more) {
        static final Round NONE = new Round(0, false);
    }

    /** One round: lease lanes, read their changes, send, settle everything in one transaction. */
    Round runOnce(String owner) throws InterruptedException {
        boolean trial = breaker.getState() == CircuitBreaker.State.HALF_OPEN;
        int batch = Math.max(connector.maxBatchSize(), deps.settings().batchSize());
        int lanes = trial ? 1 : lanesPerRound;
        int perLane = perLane(batch);
        if (nextDueNanos.get() <= System.nanoTime()) {
            // This round takes what is due (or finds it taken); whatever it parks sets the next due time again.
            // Left in the past, the poller would look again every millisecond.
            nextDueNanos.set(Long.MAX_VALUE);
        }
        Duration leaseFor = deps.settings().lease();
        Instant leaseEnds = Instant.now().plus(leaseFor);
        RoundInput input = deps.tx().executeWrite(status -> RoundInput.read(status.getConnection(),
                deps.deliveries(), settings, leaseFor, owner, lanes, perLane, trial ? 1 : batch));
        if (input.leases().isEmpty()) {
            breaker.releasePermission();
            return Round.NONE;
        }
        // A pause announced while this round leased (stale state) is read now: nothing is sent, all is kept.
        refreshState();
        DeliveryPlan plan = DeliveryPlan.of(input.events());
        Map<String, Outcome> outcomes = new HashMap<>();
        Map<String, String> errorByWorkspace = new LinkedHashMap<>();
        int size = Math.max(1, connector.maxBatchSize());
        List<DeliveryPlan.Planned> deliveries = plan.deliveries();
        boolean permitted = true; // the loop's permission covers the first request
        for (int from = 0; from < deliveries.size(); from += size) {
            List<DeliveryPlan.Planned> chunk = deliveries.subList(from, Math.min(deliveries.size(), from + size));
            // The first request always fits (start-up checks lease > timeout); later ones only while the lease lasts.
            boolean leaseTooShort = from > 0 && Instant.now().plus(settings.timeout()).plusSeconds(1).isAfter(leaseEnds);
            if (!running || paused || leaseTooShort || !(permitted || breaker.tryAcquirePermission())) {
                break; // what is left is parked, due at once: nothing is lost and nothing goes twice
            }
            permitted = false;
            if (rateLimiter != null) {
                RateLimiter.waitForPermission(rateLimiter);
            }
            long started = System.nanoTime();
            List<Outcome> answers = send(chunk.stream().map(p -> unsealed(p.delivery())).toList());
            record(answers, System.nanoTime() - started);
            for (int i = 0; i < chunk.size(); i++) {
                Outcome outcome = answers.get(i);
                DeliveryPlan.Planned planned = chunk.get(i);
                outcomes.put(RoundInput.key(planned.head()), outcome);
                if (outcome.kind() != Outcome.Kind.DELIVERED) {
                    errorByWorkspace.put(planned.head().workspaceId(), category(outcome, settledAs(planned, outcome)));
                }
                if (outcome.kind() == Outcome.Kind.PAUSE && !paused) {
                    pause(outcome);
                }
            }
        }
        if (permitted) {
            breaker.releasePermission(); // nothing was sent
        }
        RoundSettlement settlement = RoundSettlement.of(input, plan, outcomes, deps.retry(), Instant.now(),
                DestinationDispatcher::sent);
        settlement.count(deps.metrics(), settings.name());
        var tallies = DeliveryMinutes.tally(settlement.results(), input.byId(), Instant.now());
        deps.tx().executeWrite(status -> {
            settlement.write(status.getConnection(), deps.deliveries(), settings.name(), owner);
            deps.minutes().add(status.getConnection(), settings.name(), owner, tallies);
            if (!errorByWorkspace.isEmpty()) {
                deps.states().setLastErrors(status.getConnection(), settings.name(), errorByWorkspace);
            }
            return null;
        });
        settlement.earliestPark().ifPresent(due -> {
            long at = System.nanoTime() + Math.max(0, Duration.between(Instant.now(), due).toNanos());
            nextDueNanos.accumulateAndGet(at, Math::min);
        });
        return new Round(input.events().size(), input.more());
    }

    /** What a settled outcome becomes, for the workspace's last-error line. */
    private String settledAs(DeliveryPlan.Planned planned, Outcome outcome) {
        return switch (outcome.kind()) {
            case DELIVERED -> EventResult.DELIVERED;
            case DEAD -> EventResult.DEAD;
            case PAUSE -> EventResult.PENDING;
            case RETRY -> deps.retry().exhausted(planned.head().attempts() + 1) ? EventResult.DEAD : EventResult.PENDING;
        };
    }

    /** Tells the breaker how the vendor answered one request: failed when nothing in it got through. */
    private void record(List<Outcome> answers, long nanos) {
        boolean failed = answers.stream().allMatch(o -> o.kind() == Outcome.Kind.RETRY);
        if (failed) {
            breaker.onError(nanos, TimeUnit.NANOSECONDS, new VendorUnavailable());
        } else {
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The breaker's record of a request the vendor did not take (no stack: it is only counted). */
    static final class VendorUnavailable extends RuntimeException {
        VendorUnavailable() {
            super("vendor did not take the request", null, false, false);
        }
    }

    /**
     * Sends one request's worth. A batch refused as a whole with 400 is split in halves until the bad items are
     * alone, so one invalid profile does not cost the others their delivery.
     */
    private List<Outcome> send(List<Delivery> deliveries) {
        List<Outcome> outcomes;
        try {
            outcomes = connector.send(deliveries);
        } catch (RuntimeException e) {
            // The class only: an exception's message may quote what was being sent or what the vendor said.
            LOG.warn("Destination {}: connector failed: {}", settings.name(), e.getClass().getName());
            Outcome failed = Outcome.retry(0, "connector error: " + e.getClass().getSimpleName(), null);
            return deliveries.stream().map(d -> failed).toList();
        }
        if (outcomes.size() != deliveries.size()) {
            throw new IllegalStateException("connector " + settings.type() + " answered " + outcomes.size()
                    + " outcomes for " + deliveries.size() + " deliveries");
        }
        boolean refusedAsWhole = deliveries.size() > 1 && outcomes.stream()
                .allMatch(o -> o.kind() == Outcome.Kind.DEAD && o.status() == 400);
        if (!refusedAsWhole) {
            return outcomes;
        }
        int half = deliveries.size() / 2;
        List<Outcome> split = new ArrayList<>(send(deliveries.subList(0, half)));
        split.addAll(send(deliveries.subList(half, deliveries.size())));
        return split;
    }

    /**
     * Whether this outcome came from a request, which counts as an attempt: the one that delivered an event or
     * dead-lettered it counts like the failed ones before it. A connector that settled an event without sending it
     * (nothing changed for this vendor, nothing to erase, "not sent:") made none.
     */
    static boolean sent(Outcome outcome) {
        if (outcome.detail() != null && outcome.detail().startsWith(NOT_SENT)) {
            return false;
        }
        return outcome.status() != 0 || outcome.kind() == Outcome.Kind.RETRY;
    }

    /** Gives the connector the sealed locator of an erasure in the clear, in memory only. */
    private Delivery unsealed(Delivery delivery) {
        if (!delivery.event().has("sealed")) {
            return delivery;
        }
        ObjectNode event = delivery.event().deepCopy();
        ObjectNode locator = event.putObject("locator");
        deps.sealer().unseal(event.remove("sealed").asText()).forEach(locator::put);
        return new Delivery(delivery.workspaceId(), delivery.profileId(), delivery.kind(), event);
    }

    private void pause(Outcome outcome) {
        pauseGeneration.incrementAndGet();
        paused = true;
        // Shared by every workspace the destination serves: the cause, never the vendor's answer (it may echo a
        // profile); the log gets the answer's shape only.
        String reason = "credentials refused (HTTP " + outcome.status() + "); fix the token and resume the destination";
        LOG.warn("Destination {} paused: {}; the vendor answered {}", settings.name(), reason,
                VendorHttp.summary(outcome.detail()));
        deps.tx().executeWrite(status -> {
            deps.states().setPaused(status.getConnection(), settings.name(), true, reason);
            return null;
        });
        pauseGeneration.incrementAndGet(); // reads from here on see the committed pause
    }

    /**
     * What a workspace is shown of its last failure at this destination: the kind of failure, never the vendor's
     * words, which may echo a profile (they stay in the dead letter and the profile's sync state).
     */
    static String category(Outcome outcome, String settledAs) {
        String next = switch (settledAs) {
            case EventResult.DEAD -> "dead-lettered";
            case EventResult.PENDING -> outcome.kind() == Outcome.Kind.PAUSE ? "destination paused" : "retrying";
            default -> settledAs;
        };
        if (outcome.detail() != null && outcome.detail().startsWith(NOT_SENT)) {
            return "not sent: the vendor could never accept the event; " + next;
        }
        if (outcome.status() == 0) {
            // Without an answer the detail is our own sentence (timeout, refused connection, error class).
            return (outcome.detail() == null ? "no answer" : outcome.detail()) + "; " + next;
        }
        return "HTTP " + outcome.status() + " from the vendor; " + next;
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
