package io.profilehub.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.Outcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a round's answers mean for lane positions, parked profiles, failed attempts and dead letters, decided without
 * a database: the settle policy on its own.
 */
class RoundSettlementTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WS = "ws_a";
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant CREATED = NOW.minusSeconds(5);
    /* 2 s doubling, jitter fixed at 1 s: the first retry comes after 3 s; dead after the third failed attempt. */
    private static final RetryPolicy RETRY = new RetryPolicy(new OutboxSettings(true, Duration.ofSeconds(60),
            Duration.ofSeconds(2), 100, Duration.ofDays(7), Duration.ofMillis(500), Duration.ZERO,
            Duration.ofSeconds(30), 10, new OutboxSettings.Retry(Duration.ofSeconds(2), 2, Duration.ofSeconds(60),
            Duration.ofSeconds(1), Duration.ofSeconds(1), 3)));

    /** A round's input built by hand: leased lanes, what was read of them, and per profile its queue. */
    private static final class Round {
        final List<DeliveryRepository.Lease> leases = new ArrayList<>();
        final Map<Integer, Long> upto = new LinkedHashMap<>();
        final Map<String, RoundInput.Queue> queues = new LinkedHashMap<>();
        long nextId = 1;

        Round lane(int lane, long position, long readTo) {
            leases.add(new DeliveryRepository.Lease(lane, position, readTo));
            upto.put(lane, readTo);
            return this;
        }

        ClaimedEvent change(String profile, int lane, long seq, String kind, ObjectNode payload) {
            return change(profile, lane, seq, kind, payload, null);
        }

        ClaimedEvent change(String profile, int lane, long seq, String kind, ObjectNode payload,
                            DeliveryRepository.Parked parked) {
            RoundInput.Queue queue = queues.computeIfAbsent(RoundInput.key(WS, profile),
                    k -> new RoundInput.Queue(WS, profile, lane, parked));
            ClaimedEvent e = new ClaimedEvent(WS, nextId++, profile, kind, payload, queue.priorAttempts(), CREATED,
                    lane, seq, seq);
            queue.events.add(e);
            queue.lastSeq = Math.max(queue.lastSeq, seq);
            return e;
        }

        RoundInput input() {
            List<ClaimedEvent> events = new ArrayList<>();
            Map<Long, ClaimedEvent> byId = new HashMap<>();
            queues.values().forEach(q -> q.events.forEach(e -> {
                events.add(e);
                byId.put(e.id(), e);
            }));
            return new RoundInput(leases, upto, queues, events, byId, false);
        }
    }

    private static ObjectNode upsert(String trait, Object value) {
        ObjectNode payload = JSON.createObjectNode();
        payload.putObject("identifiers").put("email", "a@example.com");
        payload.putObject("traits").set(trait, JSON.valueToTree(value));
        return payload;
    }

    private static RoundSettlement settle(RoundInput input, Map<String, Outcome> outcomes) {
        return RoundSettlement.of(input, DeliveryPlan.of(input.events()), outcomes, RETRY, NOW);
    }

    private static Map<String, Outcome> answers(Object... profileThenOutcome) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (int i = 0; i < profileThenOutcome.length; i += 2) {
            outcomes.put(RoundInput.key(WS, (String) profileThenOutcome[i]), (Outcome) profileThenOutcome[i + 1]);
        }
        return outcomes;
    }

    private static final Set<Integer> ALL_HELD = Set.of(1, 2, 3);

    @Test
    void allDeliveredMovesTheLanesToWhatWasReadAndLeavesNothingBehind() {
        Round round = new Round().lane(1, 100, 120).lane(2, 50, 60);
        round.change("p1", 1, 105, Delivery.UPSERT, upsert("plan", "pro"));
        round.change("p1", 1, 110, Delivery.UPSERT, upsert("seats", 3)); // composed with the first
        round.change("p2", 2, 55, Delivery.UPSERT, upsert("plan", "free"));
        RoundSettlement s = settle(round.input(), answers("p1", Outcome.delivered(200), "p2", Outcome.delivered(204)));

        assertEquals(Map.of(1, 120L, 2, 60L), s.positions());
        assertEquals(List.of(), s.parks(ALL_HELD));
        assertEquals(List.of(), s.unparks(ALL_HELD));
        assertEquals(List.of(), s.failures());
        assertEquals(List.of(), s.deadLetters(ALL_HELD));
        assertEquals(Map.of(), s.lastErrors());
        assertEquals(3, s.results().size());
        assertTrue(s.results().stream().allMatch(r -> r.status().equals(EventResult.DELIVERED) && r.attempted()));
        assertTrue(s.earliestPark().isEmpty());
    }

    @Test
    void aFailureParksTheProfileFromWhatItSentAndItsLaterChangesWaitBehindIt() {
        Round round = new Round().lane(1, 100, 120);
        ClaimedEvent sent = round.change("p1", 1, 105, Delivery.UPSERT, upsert("plan", "pro"));
        // Cannot be composed into the first request (an object into a key the first set to a string): it waits.
        ClaimedEvent later = round.change("p1", 1, 110, Delivery.UPSERT, upsert("plan", Map.of("tier", 2)));
        RoundSettlement s = settle(round.input(), answers("p1", Outcome.retry(503, "unavailable", null)));

        assertEquals(Map.of(1, 120L), s.positions(), "the lane moves on; the profile waits on its parked row");
        assertEquals(List.of(new DeliveryRepository.Park(WS, "p1", 1, 105, 1, NOW.plusSeconds(3), 503, "unavailable")),
                s.parks(ALL_HELD), "parked from what failed, so the later change goes after it");
        assertEquals(List.of(new DeliveryRepository.Failure(WS, "p1", sent.version(), sent.version(), 503,
                "unavailable")), s.failures());
        assertEquals(List.of(EventResult.PENDING), s.results().stream().map(EventResult::status).toList());
        assertEquals(sent.id(), s.results().get(0).id());
        assertFalse(s.results().stream().anyMatch(r -> r.id() == later.id()), "the later change is not settled");
        assertEquals(Map.of(WS, "HTTP 503 from the vendor; retrying"), s.lastErrors());
        assertEquals(NOW.plusSeconds(3), s.earliestPark().orElseThrow());
    }

    @Test
    void aDeliveredProfileWithChangesLeftIsParkedDueAtOnceFromTheFirstOfThem() {
        Round round = new Round().lane(1, 100, 120);
        round.change("p1", 1, 105, Delivery.UPSERT, upsert("plan", "pro"));
        round.change("p1", 1, 110, Delivery.UPSERT, upsert("plan", Map.of("tier", 2)));
        RoundSettlement s = settle(round.input(), answers("p1", Outcome.delivered(200)));

        assertEquals(Map.of(1, 120L), s.positions());
        assertEquals(List.of(new DeliveryRepository.Park(WS, "p1", 1, 110, 0, NOW, null, null)), s.parks(ALL_HELD));
    }

    @Test
    void aStalledLaneKeepsItsPositionAndWhatWasSentIsParkedJustAfterIt() {
        Round round = new Round().lane(1, 100, 120).lane(2, 50, 60);
        round.change("p1", 1, 105, Delivery.UPSERT, upsert("plan", "pro"));
        ClaimedEvent unsent = round.change("p2", 1, 107, Delivery.UPSERT, upsert("plan", "free"));
        round.change("p3", 2, 55, Delivery.UPSERT, upsert("plan", "team"));
        // The round stopped after its first request (pause, breaker, lease, shutdown): p2 has no answer.
        RoundSettlement s = settle(round.input(), answers("p1", Outcome.delivered(200), "p3", Outcome.delivered(200)));

        assertEquals(Map.of(1, 100L, 2, 60L), s.positions(), "lane 1 stays where it was; lane 2 moves on");
        assertEquals(List.of(new DeliveryRepository.Park(WS, "p1", 1, 106, 0, NOW, null, null)), s.parks(ALL_HELD),
                "p1 is not sent twice when lane 1 is read again");
        EventResult pending = s.results().stream().filter(r -> r.id() == unsent.id()).findFirst().orElseThrow();
        assertEquals(EventResult.PENDING, pending.status());
        assertFalse(pending.attempted());
        assertEquals(List.of(), s.failures());
        assertEquals(1, s.unsentEvents());
        assertEquals(2, s.delivered().size());
    }

    @Test
    void aPauseAnswerStallsTheLaneCountsTheAttemptAndParksTheProfileWithTheRefusal() {
        Round round = new Round().lane(1, 100, 120);
        round.change("p1", 1, 105, Delivery.UPSERT, upsert("plan", "pro"));
        RoundSettlement s = settle(round.input(), answers("p1", Outcome.pause(401, "bad token")));

        assertEquals(Map.of(1, 100L), s.positions());
        List<DeliveryRepository.Park> parks = s.parks(ALL_HELD);
        assertEquals(1, parks.size(), parks.toString());
        assertEquals(105, parks.get(0).fromSeq(), "the refused change waits, parked, for the resume");
        assertEquals(1, parks.get(0).attempts(), "the vendor saw the request: it counts");
        assertEquals(401, parks.get(0).lastStatus());
        assertEquals("destination paused: credentials refused (HTTP 401); bad token", parks.get(0).lastError());
        assertEquals(1, s.failures().size());
        assertEquals(Map.of(WS, "HTTP 401 from the vendor; destination paused"), s.lastErrors());
    }

    @Test
    void theLastAllowedAttemptFailingDeadLettersTheChangeAndFreesTheProfile() {
        Round round = new Round().lane(1, 100, 120);
        var parked = new DeliveryRepository.Parked(WS, "p1", 1, 90, 2, true);
        round.change("p1", 1, 90, Delivery.UPSERT, upsert("plan", "pro"), parked);
        RoundSettlement s = settle(round.input(), answers("p1", Outcome.retry(500, "boom", null)));

        List<DeliveryRepository.Dead> dead = s.deadLetters(ALL_HELD);
        assertEquals(1, dead.size());
        assertEquals(3, dead.get(0).attempts());
        assertEquals("gave up after 3 attempts; last answer: boom", dead.get(0).lastError());
        assertEquals(1, s.failures().size(), "the third attempt is recorded too");
        assertEquals(1, s.unparks(ALL_HELD).size(), "the parked row goes: nothing of the profile is left");
        assertEquals(List.of(), s.parks(ALL_HELD));
        assertEquals(List.of(EventResult.DEAD), s.results().stream().map(EventResult::status).toList());
        assertEquals(Map.of(WS, "HTTP 500 from the vendor; dead-lettered"), s.lastErrors());
    }

    @Test
    void aLastAttemptFailingOnlyInABatchThatCouldNotBeSplitKeepsTheChangeWaiting() {
        Round round = new Round().lane(1, 100, 120);
        var parked = new DeliveryRepository.Parked(WS, "p1", 1, 90, 2, true);
        round.change("p1", 1, 90, Delivery.UPSERT, upsert("plan", "pro"), parked);
        RoundInput input = round.input();
        RoundSettlement s = RoundSettlement.of(input, DeliveryPlan.of(input.events()),
                answers("p1", Outcome.retry(500, "boom", null)), Set.of(RoundInput.key(WS, "p1")), RETRY, NOW);

        assertEquals(List.of(), s.deadLetters(ALL_HELD), "the 5xx may be another item's: not dead-lettered");
        assertEquals(1, s.failures().size(), "the attempt is recorded");
        assertEquals(1, s.parks(ALL_HELD).size());
        assertEquals(3, s.parks(ALL_HELD).get(0).attempts());
        assertEquals(List.of(EventResult.PENDING), s.results().stream().map(EventResult::status).toList());
        assertEquals(Map.of(WS, "HTTP 500 from the vendor; retrying"), s.lastErrors());
    }

    @Test
    void aLaterRetryAfterFromTheVendorIsRespectedAndAnEarlierOneIsNot() {
        Round round = new Round().lane(1, 100, 120);
        round.change("p1", 1, 105, Delivery.UPSERT, upsert("plan", "pro"));
        round.change("p2", 1, 106, Delivery.UPSERT, upsert("plan", "free"));
        RoundSettlement s = settle(round.input(), answers(
                "p1", Outcome.retry(429, "slow down", Duration.ofMinutes(10)),
                "p2", Outcome.retry(429, "slow down", Duration.ofSeconds(1))));

        Map<String, Instant> due = new HashMap<>();
        s.parks(ALL_HELD).forEach(p -> due.put(p.profileId(), p.availableAt()));
        assertEquals(NOW.plus(Duration.ofMinutes(10)), due.get("p1"));
        assertEquals(NOW.plusSeconds(3), due.get("p2"), "the backoff is longer than this Retry-After");
        assertEquals(NOW.plusSeconds(3), s.earliestPark().orElseThrow());
    }

    @Test
    void aBatchWithMixedAnswersSettlesEachProfileOnItsOwn() {
        Round round = new Round().lane(1, 100, 120);
        ClaimedEvent ok = round.change("p1", 1, 101, Delivery.UPSERT, upsert("plan", "pro"));
        ClaimedEvent bad = round.change("p2", 1, 102, Delivery.UPSERT, upsert("plan", "free"));
        ClaimedEvent failed = round.change("p3", 1, 103, Delivery.UPSERT, upsert("plan", "team"));
        ClaimedEvent skipped = round.change("p4", 1, 104, Delivery.UPSERT, upsert("plan", "team"));
        RoundSettlement s = settle(round.input(), answers(
                "p1", Outcome.delivered(200),
                "p2", Outcome.dead(400, "invalid email"),
                "p3", Outcome.retry(0, "timeout after 10 s", null),
                "p4", Outcome.dead(0, "not sent: the vendor has no field for it")));

        assertEquals(Map.of(1, 120L), s.positions(), "no profile holds the lane back");
        Map<Long, EventResult> byId = new HashMap<>();
        s.results().forEach(r -> byId.put(r.id(), r));
        assertEquals(EventResult.DELIVERED, byId.get(ok.id()).status());
        assertEquals(EventResult.DEAD, byId.get(bad.id()).status());
        assertTrue(byId.get(bad.id()).attempted());
        assertEquals(EventResult.PENDING, byId.get(failed.id()).status());
        assertEquals(EventResult.DEAD, byId.get(skipped.id()).status());
        assertFalse(byId.get(skipped.id()).attempted(), "refused before sending: no attempt");
        assertEquals(List.of("p2", "p4"), s.deadLetters(ALL_HELD).stream().map(DeliveryRepository.Dead::profileId)
                .toList());
        assertEquals(1, s.deadLetters(ALL_HELD).get(0).attempts());
        assertEquals(0, s.deadLetters(ALL_HELD).get(1).attempts());
        assertEquals(List.of("p3"), s.parks(ALL_HELD).stream().map(DeliveryRepository.Park::profileId).toList());
        assertEquals(Map.of(WS, "not sent: the vendor could never accept the event; dead-lettered"), s.lastErrors(),
                "the workspace sees the last failure of the round");
        assertEquals(List.of(ok.id()), s.delivered().stream().map(p -> p.head().id()).toList());
        assertEquals(2, s.deadEvents());
        assertEquals(1, s.retriedEvents());
        assertEquals(0, s.unsentEvents());
    }

    @Test
    void aLaneNoLongerHeldIsLeftToTheWorkerThatTookIt() {
        Round round = new Round().lane(1, 100, 120).lane(2, 50, 60);
        round.change("p1", 1, 105, Delivery.UPSERT, upsert("plan", "pro"));
        round.change("p2", 2, 55, Delivery.UPSERT, upsert("plan", "free"));
        RoundSettlement s = settle(round.input(), answers("p1", Outcome.retry(503, "unavailable", null),
                "p2", Outcome.dead(422, "invalid")));

        assertEquals(List.of(), s.parks(Set.of(2)), "lane 1's lease moved on: its park is not written");
        assertEquals(List.of(), s.deadLetters(Set.of(1)));
        assertEquals(1, s.failures().size(), "the vendor saw the attempt, whoever holds the lane now");
    }

    @Test
    void onlyRequestsCountAsAttempts() {
        assertTrue(RoundSettlement.sent(Outcome.delivered(200)));
        assertTrue(RoundSettlement.sent(Outcome.retry(0, "timeout", null)));
        assertFalse(RoundSettlement.sent(Outcome.delivered(0, "not_found", "nothing to erase")));
        assertFalse(RoundSettlement.sent(Outcome.dead(0, "not sent: too large")));
    }
}
