package io.profilehub.outbox;

import io.profilehub.destination.Delivery;
import io.profilehub.destination.Outcome;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a round writes, decided from what it read and what the vendor answered, without the database. Lanes move to
 * the end of what was read; per profile, a delivered or dead-lettered change is done, a failed one parks its profile
 * (its later changes wait behind it).
 *
 * <p>A round that stopped before sending everything (a pause, the breaker opening, the lease running out, shutdown,
 * or a breaker trial, which sends one request) leaves the lanes holding unsent changes where they were: what was not
 * sent is read again later as it was, so it costs no rows, however long the vendor stays down. The profiles it did
 * send are parked just after what they sent, so a lane read again never sends them twice.
 *
 * <p>Pure: it decides, {@link RoundSettler} counts and writes. What it decides for a lane is written only while the
 * round still holds that lane ({@code held}): a lane whose lease expired and moved to another worker is that worker's
 * to settle.
 */
final class RoundSettlement {
    /* How connectors mark what they refused to send (README: a detail starting "not sent:"). */
    private static final String NOT_SENT = "not sent:";

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
    private final Map<String, String> lastErrors = new LinkedHashMap<>();
    private int deadEvents;
    private int retriedEvents;
    private int unsentEvents;
    private Set<String> shared = Set.of();

    private RoundSettlement(RoundInput input) {
        this.input = input;
    }

    /**
     * @param outcomes the vendor's answer per profile ({@link RoundInput#key}) sent this round; a profile without
     *                 one was not sent (the round stopped early)
     */
    static RoundSettlement of(RoundInput input, DeliveryPlan plan, Map<String, Outcome> outcomes, RetryPolicy retry,
                              Instant now) {
        return of(input, plan, outcomes, Set.of(), retry, now);
    }

    /**
     * @param shared profiles whose 5xx came from a batch BatchBisection could not split down to them: the failure
     *               may be another item's (a poison item fails the whole batch), so it never dead-letters them; out
     *               of attempts, they wait for a round that splits the batch down to them
     */
    static RoundSettlement of(RoundInput input, DeliveryPlan plan, Map<String, Outcome> outcomes, Set<String> shared,
                              RetryPolicy retry, Instant now) {
        RoundSettlement s = new RoundSettlement(input);
        s.shared = shared;
        s.lastErrors(plan, outcomes, retry);
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
            int prior = queue.priorAttempts();
            if (outcome != null && outcome.kind() == Outcome.Kind.PAUSE && sent(outcome)) {
                s.refused(queue, planned, prior + 1, outcome, now);
                continue;
            }
            if (outcome == null || outcome.kind() == Outcome.Kind.PAUSE) {
                s.unsent(planned);
                continue;
            }
            boolean attempted = sent(outcome);
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
                    if (retry.exhausted(failed) && !shared.contains(entry.getKey())) {
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

    /**
     * Sent, and the vendor refused our credentials (the destination pauses): an attempt the vendor saw, so it counts
     * (a 500, a 500, then this 401 and the 200 after the resume are four), and the profile waits parked with this
     * answer, due as soon as the destination is resumed: its sync state shows the refusal, not an older failure.
     */
    private void refused(RoundInput.Queue queue, DeliveryPlan.Planned planned, int attempts, Outcome outcome,
                         Instant now) {
        unsentEvents += planned.events().size();
        failures.add(new DeliveryRepository.Failure(queue.workspaceId, queue.profileId, planned.head().version(),
                last(planned).version(), outcome.status(), outcome.detail()));
        String detail = "destination paused: credentials refused (HTTP " + outcome.status() + "); "
                + outcome.detail();
        parks.add(new DeliveryRepository.Park(queue.workspaceId, queue.profileId, queue.lane, planned.head().seq(),
                attempts, now, outcome.status(), detail));
        planned.events().forEach(e -> results.add(new EventResult(e.workspaceId(), e.id(), EventResult.PENDING,
                true, null, outcome.status(), detail, null)));
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

    /** The profiles delivered this round, with the changes each delivery settled. */
    List<DeliveryPlan.Planned> delivered() {
        return delivered;
    }

    /** Changes dead-lettered this round. */
    int deadEvents() {
        return deadEvents;
    }

    /** Changes whose profile was parked for another attempt. */
    int retriedEvents() {
        return retriedEvents;
    }

    /** Changes the round did not send (paused, breaker, lease, shutdown): read again as they are. */
    int unsentEvents() {
        return unsentEvents;
    }

    /** Where the round's lanes end: where it read to, or where they were for a lane holding unsent changes. */
    Map<Integer, Long> positions() {
        Map<Integer, Long> positions = new HashMap<>(input.upto());
        input.leases().stream().filter(l -> stalled.contains(l.lane()))
                .forEach(l -> positions.put(l.lane(), l.position()));
        return positions;
    }

    /** Failed attempts, recorded whatever happened to the lease: the vendor saw them. */
    List<DeliveryRepository.Failure> failures() {
        return failures;
    }

    List<DeliveryRepository.Park> parks(Set<Integer> held) {
        return parks.stream().filter(p -> held.contains(p.lane())).toList();
    }

    List<String[]> unparks(Set<Integer> held) {
        return unparks.stream().filter(u -> held.contains(laneOf.get(RoundInput.key(u[0], u[1])))).toList();
    }

    List<DeliveryRepository.Dead> deadLetters(Set<Integer> held) {
        return dead.stream().filter(d -> held.contains(laneOf.get(RoundInput.key(d.workspaceId(), d.profileId()))))
                .toList();
    }

    List<DeliveryRepository.ErasureOutcome> erasures(Set<Integer> held) {
        return erasures.stream().filter(e -> held.contains(e.lane())).toList();
    }

    /** Each workspace's last failure this round, as a category (in the order sent; the last one counts). */
    Map<String, String> lastErrors() {
        return lastErrors;
    }

    private void lastErrors(DeliveryPlan plan, Map<String, Outcome> outcomes, RetryPolicy retry) {
        for (DeliveryPlan.Planned planned : plan.deliveries()) {
            String key = RoundInput.key(planned.head());
            Outcome outcome = outcomes.get(key);
            if (outcome != null && outcome.kind() != Outcome.Kind.DELIVERED) {
                String settledAs = shared.contains(key) && outcome.kind() == Outcome.Kind.RETRY ? EventResult.PENDING
                        : settledAs(planned, outcome, retry);
                lastErrors.put(planned.head().workspaceId(), category(outcome, settledAs));
            }
        }
    }

    /** What a settled outcome becomes, for the workspace's last-error line. */
    private static String settledAs(DeliveryPlan.Planned planned, Outcome outcome, RetryPolicy retry) {
        return switch (outcome.kind()) {
            case DELIVERED -> EventResult.DELIVERED;
            case DEAD -> EventResult.DEAD;
            case PAUSE -> EventResult.PENDING;
            case RETRY -> retry.exhausted(planned.head().attempts() + 1) ? EventResult.DEAD : EventResult.PENDING;
        };
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
}
