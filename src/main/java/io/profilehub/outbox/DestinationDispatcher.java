package io.profilehub.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorHttp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The delivery workers of one destination: {@code concurrency} threads that claim, send and settle. Each destination
 * has its own threads, so a slow, failing or paused vendor never holds up the others.
 */
final class DestinationDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DestinationDispatcher.class);
    /* How connectors mark what they refused to send (README: a detail starting "not sent:"). */
    private static final String NOT_SENT = "not sent:";

    private final DestinationSettings settings;
    private final Connector connector;
    private final OutboxCollaborators deps;
    private final String instanceId;
    private final RateLimiter rateLimiter;
    private final Wakeup wakeup = new Wakeup();
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> owners = new ArrayList<>();
    private volatile boolean running;
    private volatile boolean paused;
    private volatile boolean stateStale = true;
    /* Changes around a pause this dispatcher makes, so a state read that overlaps it cannot undo it. */
    private final java.util.concurrent.atomic.AtomicLong pauseGeneration = new java.util.concurrent.atomic.AtomicLong();
    private volatile long stateReadAt;

    DestinationDispatcher(DestinationSettings settings, Connector connector, OutboxCollaborators deps, String instanceId) {
        this.settings = settings;
        this.connector = connector;
        this.deps = deps;
        this.instanceId = instanceId;
        this.rateLimiter = settings.rateLimit() == null ? null : rateLimiter(settings);
    }

    private static RateLimiter rateLimiter(DestinationSettings settings) {
        double perSecond = settings.rateLimit();
        // Fractional rates become one request per longer period (0.5/s = 1 every 2 s).
        int permits = (int) Math.max(1, Math.floor(perSecond));
        Duration period = Duration.ofNanos((long) (1_000_000_000L * permits / perSecond));
        return RateLimiter.of("destination-" + settings.name(), RateLimiterConfig.custom()
                .limitForPeriod(permits).limitRefreshPeriod(period).timeoutDuration(Duration.ofMinutes(5)).build());
    }

    String name() {
        return settings.name();
    }

    void start() {
        running = true;
        for (int slot = 0; slot < settings.concurrency(); slot++) {
            String owner = instanceId + ":" + settings.name() + ":" + slot;
            owners.add(owner);
            Thread thread = new Thread(() -> loop(owner), "outbox-" + settings.name() + "-" + slot);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** New events or a state change (pause, resume) were announced for this destination. */
    void wake() {
        stateStale = true;
        wakeup.signal();
    }

    /** This instance committed new events: no state to re-read. */
    void wakeForEvents() {
        wakeup.signal();
    }

    /** Stops claiming; in-flight requests finish, and whatever is still held is released for others. */
    void stop(Duration grace) {
        running = false;
        wakeup.signal();
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
                    deps.repository().releaseOwner(status.getConnection(), owner);
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("Destination {}: could not release claimed events at shutdown ({}); their leases will expire",
                    settings.name(), e.getMessage());
        }
    }

    private void loop(String owner) {
        while (running) {
            try {
                refreshState();
                if (paused) {
                    wakeup.await(deps.settings().pollInterval());
                    continue;
                }
                if (runOnce(owner) == 0) {
                    wakeup.await(deps.settings().pollInterval());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return; // stopping: what this round held is released by stop()
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

    private void refreshState() {
        long now = System.nanoTime();
        if (!stateStale && now - stateReadAt < deps.settings().pollInterval().toNanos()) {
            return;
        }
        long generation = pauseGeneration.get();
        DestinationStateRepository.State state = deps.tx().executeRead(status ->
                deps.states().read(status.getConnection(), settings.name()));
        if (pauseGeneration.get() != generation) {
            return; // a worker paused meanwhile; read again on the next round
        }
        paused = state.paused();
        stateReadAt = now;
        stateStale = false;
    }

    /** One claim: send what it holds, settle it in one statement. Returns how many events it claimed. */
    int runOnce(String owner) throws InterruptedException {
        int heads = Math.max(connector.maxBatchSize(), deps.settings().batchSize());
        Duration lease = deps.settings().lease();
        Instant leaseEnds = Instant.now().plus(lease);
        List<ClaimedEvent> claimed = deps.tx().executeWrite(status -> deps.repository().claim(status.getConnection(),
                settings.name(), heads, heads * 2, lease, owner));
        if (claimed.isEmpty()) {
            return 0;
        }
        // A pause announced while this claim ran (stale state) is read now: its events are released, not sent.
        refreshState();
        DeliveryPlan plan = DeliveryPlan.of(claimed);
        List<EventResult> results = new ArrayList<>();
        for (ClaimedEvent e : plan.superseded()) {
            results.add(new EventResult(e.workspaceId(), e.id(), EventResult.CANCELLED, false, null, null,
                    "superseded by a later delete of the profile", null));
        }
        for (ClaimedEvent e : plan.deferred()) {
            results.add(release(e, null));
        }
        Map<String, String> errorByWorkspace = new LinkedHashMap<>();
        int batch = Math.max(1, connector.maxBatchSize());
        List<DeliveryPlan.Planned> deliveries = plan.deliveries();
        for (int from = 0; from < deliveries.size(); from += batch) {
            List<DeliveryPlan.Planned> chunk = deliveries.subList(from, Math.min(deliveries.size(), from + batch));
            // The first request always fits (start-up checks lease > timeout); later ones only while the lease lasts.
            boolean leaseTooShort = from > 0 && Instant.now().plus(settings.timeout()).plusSeconds(1).isAfter(leaseEnds);
            if (!running || paused || leaseTooShort) {
                chunk.forEach(p -> p.events().forEach(e -> results.add(release(e, null))));
                continue;
            }
            if (rateLimiter != null) {
                RateLimiter.waitForPermission(rateLimiter);
            }
            List<Outcome> outcomes = send(chunk.stream().map(p -> unsealed(p.delivery())).toList());
            for (int i = 0; i < chunk.size(); i++) {
                Outcome outcome = outcomes.get(i);
                List<EventResult> settled = settle(chunk.get(i), outcome);
                results.addAll(settled);
                if (outcome.kind() != Outcome.Kind.DELIVERED) {
                    errorByWorkspace.put(chunk.get(i).head().workspaceId(),
                            category(outcome, settled.get(0).status()));
                }
                if (outcome.kind() == Outcome.Kind.PAUSE && !paused) {
                    pause(outcome);
                }
            }
        }
        Map<Long, ClaimedEvent> byId = new HashMap<>();
        claimed.forEach(e -> byId.put(e.id(), e));
        var tallies = DeliveryMinutes.tally(results, byId, Instant.now());
        deps.tx().executeWrite(status -> {
            int settled = deps.repository().settle(status.getConnection(), results, owner);
            deps.minutes().add(status.getConnection(), settings.name(), owner, tallies);
            return settled;
        });
        if (!errorByWorkspace.isEmpty()) {
            deps.tx().executeWrite(status -> {
                deps.states().setLastErrors(status.getConnection(), settings.name(), errorByWorkspace);
                return null;
            });
        }
        return claimed.size();
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

    private List<EventResult> settle(DeliveryPlan.Planned planned, Outcome outcome) {
        List<EventResult> results = new ArrayList<>();
        Instant now = Instant.now();
        boolean sent = sent(outcome);
        switch (outcome.kind()) {
            case DELIVERED -> {
                deps.metrics().outcome(settings.name(), "delivered", planned.events().size());
                deps.metrics().latency(settings.name(), Duration.between(planned.head().createdAt(), now));
                planned.events().forEach(e -> results.add(new EventResult(e.workspaceId(), e.id(),
                        EventResult.DELIVERED, sent, null, outcome.status(), outcome.detail(), outcome.result())));
            }
            case DEAD -> {
                deps.metrics().outcome(settings.name(), "dead", planned.events().size());
                planned.events().forEach(e -> results.add(new EventResult(e.workspaceId(), e.id(), EventResult.DEAD,
                        sent, null, outcome.status(), outcome.detail(), null)));
            }
            case RETRY -> {
                int failed = planned.head().attempts() + 1;
                if (deps.retry().exhausted(failed)) {
                    deps.metrics().outcome(settings.name(), "dead", planned.events().size());
                    String detail = "gave up after " + failed + " attempts; last answer: " + outcome.detail();
                    planned.events().forEach(e -> results.add(new EventResult(e.workspaceId(), e.id(),
                            EventResult.DEAD, true, null, outcome.status(), detail, null)));
                } else {
                    deps.metrics().outcome(settings.name(), "retry", planned.events().size());
                    Instant next = now.plus(deps.retry().delay(failed, outcome.retryAfter()));
                    planned.events().forEach(e -> results.add(new EventResult(e.workspaceId(), e.id(),
                            EventResult.PENDING, true, next, outcome.status(), outcome.detail(), null)));
                }
            }
            case PAUSE -> {
                deps.metrics().outcome(settings.name(), "paused", planned.events().size());
                planned.events().forEach(e -> results.add(release(e, outcome)));
            }
        }
        return results;
    }

    /**
     * Whether this outcome came from a request, which counts as an attempt: the one that delivered an event or
     * dead-lettered it counts like the failed ones before it. A connector that settled an event without sending it
     * (nothing changed for this vendor, nothing to erase, "not sent:") made none.
     */
    private static boolean sent(Outcome outcome) {
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

    private static EventResult release(ClaimedEvent e, Outcome outcome) {
        return new EventResult(e.workspaceId(), e.id(), EventResult.PENDING, false, null,
                outcome == null ? null : outcome.status(), outcome == null ? null : outcome.detail(), null);
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
     * words, which may echo a profile (they stay on the event, in the dead letter and the profile's sync state).
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
