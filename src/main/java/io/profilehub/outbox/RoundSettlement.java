package io.profilehub.outbox;

import io.profilehub.destination.Delivery;
import io.profilehub.destination.Outcome;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a round writes, decided from what it read and what the vendor answered, without the database. Lanes move to
 * the end of what was read; per profile, a delivered or dead-lettered change is done, a failed one parks its profile
 * (its later changes wait behind it).
 *
 * <p>A round that stopped before sending everything (a pause, the breaker opening, the lease running out, shutdown,
 * or a breaker trial, which sends one request) leaves the lanes holding unsent changes where they were: what was not
 * sent is read again later as it was, so it costs no rows, however long the vendor stays down. The profiles it did
 * send are parked just after what they sent, so a lane read again never sends them twice.
 */
final class RoundSettlement {
    private final RoundInput input;
    private final List<DeliveryRepository.Park> parks = new ArrayList<>();
    private final List<String[]> unparks = new ArrayList<>();
    private final List<DeliveryRepository.Failure> failures = new ArrayList<>();
    private final List<DeliveryRepository.Dead> dead = new ArrayList<>();
    private final List<DeliveryRepository.ErasureOutcome> erasures = new ArrayList<>();
    private final List<EventResult> results = new ArrayList<>();
    private final Map<String, Integer> laneOf = new HashMap<>();
    /** Lanes with changes this round did not send: they keep their position. */
    private final Set<Integer> stalled = new HashSet<>();
    private final List<DeliveryPlan.Planned> delivered = new ArrayList<>();
    private int deadEvents;
    private int retriedEvents;
    private int unsentEvents;

    private RoundSettlement(RoundInput input) {
        this.input = input;
    }

    static RoundSettlement of(RoundInput input, DeliveryPlan plan, Map<String, Outcome> outcomes, RetryPolicy retry,
                              Instant now, Predicate<Outcome> sent) {
        RoundSettlement s = new RoundSettlement(input);
        Map<String, DeliveryPlan.Planned> plannedByKey = new HashMap<>();
        plan.deliveries().forEach(p -> plannedByKey.put(RoundInput.key(p.head()), p));
        Map<String, List<ClaimedEvent>> deferredByKey = new HashMap<>();
        plan.deferred().forEach(e -> deferredByKey.computeIfAbsent(RoundInput.key(e), k -> new ArrayList<>()).add(e));
        deferredByKey.values().forEach(list -> list.sort(Comparator.comparingLong(ClaimedEvent::seq)));
        for (Map.Entry<String, RoundInput.Queue> entry : input.queues().entrySet()) {
            Outcome outcome = outcomes.get(entry.getKey());
            if (plannedByKey.containsKey(entry.getKey()) && (outcome == null || outcome.kind() == Outcome.Kind.PAUSE)) {
                s.stalled.add(entry.getValue().lane);
            }
        }
        for (Map.Entry<String, RoundInput.Queue> entry : input.queues().entrySet()) {
            RoundInput.Queue queue = entry.getValue();
            s.laneOf.put(entry.getKey(), queue.lane);
            DeliveryPlan.Planned planned = plannedByKey.get(entry.getKey());
            List<ClaimedEvent> deferred = deferredByKey.getOrDefault(entry.getKey(), List.of());
            if (planned == null) {
                if (!s.stalled.contains(queue.lane)) {
                    s.rest(queue, deferred, null, now);
                }
                continue;
            }
            Outcome outcome = outcomes.get(entry.getKey());
            if (outcome == null || outcome.kind() == Outcome.Kind.PAUSE) {
                s.unsent(planned);
                continue;
            }
            boolean attempted = sent.test(outcome);
            int prior = queue.priorAttempts();
            switch (outcome.kind()) {
                case DELIVERED -> {
                    s.delivered.add(planned);
                    planned.events().forEach(e -> s.results.add(new EventResult(e.workspaceId(), e.id(),
                            EventResult.DELIVERED, attempted, null, outcome.status(), null, outcome.result())));
                    s.erasure(planned, outcome.result() == null ? "erased" : outcome.result(), outcome.detail(),
                            outcome.status());
                    s.rest(queue, deferred, planned, now);
                }
                case DEAD -> {
                    s.deadLetter(planned, prior + (attempted ? 1 : 0), outcome.status(), outcome.detail(), attempted);
                    s.rest(queue, deferred, planned, now);
                }
                case RETRY -> {
                    int failed = prior + 1;
                    s.failures.add(new DeliveryRepository.Failure(queue.workspaceId, queue.profileId,
                            planned.head().version(), last(planned).version(), outcome.status(), outcome.detail()));
                    if (retry.exhausted(failed)) {
                        s.deadLetter(planned, failed, outcome.status(), "gave up after " + failed
                                + " attempts; last answer: " + outcome.detail(), true);
                        s.rest(queue, deferred, planned, now);
                    } else {
                        s.retriedEvents += planned.events().size();
                        Instant next = now.plus(retry.delay(failed, outcome.retryAfter()));
                        s.parks.add(new DeliveryRepository.Park(queue.workspaceId, queue.profileId, queue.lane,
                                planned.head().seq(), failed, next, outcome.status(), outcome.detail()));
                        planned.events().forEach(e -> s.results.add(new EventResult(e.workspaceId(), e.id(),
                                EventResult.PENDING, true, next, outcome.status(), outcome.detail(), null)));
                    }
                }
                default -> throw new IllegalStateException("unhandled outcome " + outcome.kind());
            }
        }
        return s;
    }

    private static ClaimedEvent last(DeliveryPlan.Planned planned) {
        return planned.events().get(planned.events().size() - 1);
    }

    /** Not sent: its lane stays where it was (or its parked row as it was), so it is read again as it is. */
    private void unsent(DeliveryPlan.Planned planned) {
        unsentEvents += planned.events().size();
        planned.events().forEach(e -> results.add(new EventResult(e.workspaceId(), e.id(), EventResult.PENDING,
                false, null, null, null, null)));
    }

    /**
     * After the profile's delivery settled: what remains of it waits parked, due at once, or the profile is free.
     * In a lane that stays where it was, the profile is parked just after what it sent, whatever remains.
     */
    private void rest(RoundInput.Queue queue, List<ClaimedEvent> deferred, DeliveryPlan.Planned sent, Instant now) {
        if (stalled.contains(queue.lane)) {
            if (sent != null) {
                parks.add(new DeliveryRepository.Park(queue.workspaceId, queue.profileId, queue.lane,
                        last(sent).seq() + 1, 0, now, null, null));
            }
            return;
        }
        if (!deferred.isEmpty()) {
            parks.add(new DeliveryRepository.Park(queue.workspaceId, queue.profileId, queue.lane,
                    deferred.get(0).seq(), 0, now, null, null));
        } else if (queue.truncated) {
            parks.add(new DeliveryRepository.Park(queue.workspaceId, queue.profileId, queue.lane, queue.lastSeq + 1,
                    0, now, null, null));
        } else if (queue.parked != null) {
            unparks.add(new String[]{queue.workspaceId, queue.profileId});
        }
    }

    private void deadLetter(DeliveryPlan.Planned planned, int attempts, int status, String detail, boolean attempted) {
        ClaimedEvent head = planned.head();
        deadEvents += planned.events().size();
        dead.add(new DeliveryRepository.Dead(head.workspaceId(), head.profileId(), head.kind(), head.version(),
                last(planned).version(), planned.delivery().event().toString(), attempts, status == 0 ? null : status,
                detail, head.createdAt()));
        planned.events().forEach(e -> results.add(new EventResult(e.workspaceId(), e.id(), EventResult.DEAD,
                attempted, null, status, detail, null)));
        erasure(planned, "dead", detail, status);
    }

    private void erasure(DeliveryPlan.Planned planned, String status, String detail, int httpStatus) {
        ClaimedEvent head = planned.head();
        if (Delivery.UPSERT.equals(head.kind())) {
            return;
        }
        erasures.add(new DeliveryRepository.ErasureOutcome(head.workspaceId(), head.profileId(), status, detail,
                httpStatus == 0 ? null : httpStatus, head.id(), head.lane(), head.seq()));
    }

    List<EventResult> results() {
        return results;
    }

    Optional<Instant> earliestPark() {
        return parks.stream().map(DeliveryRepository.Park::availableAt).min(Comparator.naturalOrder());
    }

    void count(DeliveryMetrics metrics, String destination) {
        int deliveredEvents = delivered.stream().mapToInt(p -> p.events().size()).sum();
        if (deliveredEvents > 0) {
            metrics.outcome(destination, "delivered", deliveredEvents);
            Instant now = Instant.now();
            delivered.forEach(p -> metrics.latency(destination, Duration.between(p.head().createdAt(), now)));
        }
        if (deadEvents > 0) {
            metrics.outcome(destination, "dead", deadEvents);
        }
        if (retriedEvents > 0) {
            metrics.outcome(destination, "retry", retriedEvents);
        }
        if (unsentEvents > 0) {
            metrics.outcome(destination, "paused", unsentEvents);
        }
    }

    /**
     * One transaction: the lanes still held move on, and only then what the round decided for their profiles is
     * written; a lane whose lease expired and moved to another worker is that worker's to settle. Failed attempts
     * are recorded whatever happened to the lease: the vendor saw them.
     */
    void write(Connection c, DeliveryRepository repository, String destination, String owner) throws SQLException {
        Map<Integer, Long> positions = new HashMap<>(input.upto());
        input.leases().stream().filter(l -> stalled.contains(l.lane()))
                .forEach(l -> positions.put(l.lane(), l.position()));
        Set<Integer> held = new HashSet<>(repository.advance(c, destination, owner, positions));
        repository.fail(c, destination, failures);
        repository.park(c, destination, parks.stream().filter(p -> held.contains(p.lane())).toList());
        repository.unpark(c, destination, unparks.stream()
                .filter(u -> held.contains(laneOf.get(RoundInput.key(u[0], u[1])))).toList());
        repository.dead(c, destination, dead.stream()
                .filter(d -> held.contains(laneOf.get(RoundInput.key(d.workspaceId(), d.profileId())))).toList());
        repository.erasureProgress(c, destination, erasures.stream().filter(e -> held.contains(e.lane())).toList());
    }
}
