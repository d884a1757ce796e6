package io.profilehub.outbox;

import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.Outcome;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Settles a round: {@link RoundSettlement} decides what the vendor's answers mean, they are counted, and all of it is
 * written in one transaction. The lanes still held move on, and only then what the round decided for their profiles
 * is written, with the destination's per-minute tallies and each workspace's last failure.
 */
@Singleton
class RoundSettler {
    private final TransactionOperations<Connection> tx;
    private final DeliveryRepository deliveries;
    private final DeliveryMinutes minutes;
    private final DestinationStateRepository states;
    private final RetryPolicy retry;
    private final DeliveryMetrics metrics;

    RoundSettler(TransactionOperations<Connection> tx, DeliveryRepository deliveries, DeliveryMinutes minutes,
                 DestinationStateRepository states, RetryPolicy retry, DeliveryMetrics metrics) {
        this.tx = tx;
        this.deliveries = deliveries;
        this.minutes = minutes;
        this.states = states;
        this.retry = retry;
        this.metrics = metrics;
    }

    RoundSettlement settle(String destination, String owner, RoundInput input, DeliveryPlan plan,
                           RoundSender.Answers answers) {
        RoundSettlement settlement = RoundSettlement.of(input, plan, answers.outcomes(), answers.shared(), retry,
                Instant.now());
        count(destination, settlement);
        var tallies = DeliveryMinutes.tally(settlement.results(), input.byId(), Instant.now());
        Map<String, String> lastErrors = settlement.lastErrors();
        tx.executeWrite(status -> {
            Connection c = status.getConnection();
            Set<Integer> held = new HashSet<>(deliveries.advance(c, destination, owner, settlement.positions()));
            deliveries.fail(c, destination, settlement.failures());
            deliveries.park(c, destination, settlement.parks(held));
            deliveries.unpark(c, destination, settlement.unparks(held));
            deliveries.dead(c, destination, settlement.deadLetters(held));
            deliveries.erasureProgress(c, destination, settlement.erasures(held));
            minutes.add(c, destination, owner, tallies);
            if (!lastErrors.isEmpty()) {
                states.setLastErrors(c, destination, lastErrors);
            }
            return null;
        });
        return settlement;
    }

    private void count(String destination, RoundSettlement settlement) {
        int deliveredEvents = settlement.delivered().stream().mapToInt(p -> p.events().size()).sum();
        if (deliveredEvents > 0) {
            metrics.outcome(destination, "delivered", deliveredEvents);
            Instant now = Instant.now();
            settlement.delivered().forEach(p -> metrics.latency(destination,
                    Duration.between(p.head().createdAt(), now)));
        }
        if (settlement.deadEvents() > 0) {
            metrics.outcome(destination, "dead", settlement.deadEvents());
        }
        if (settlement.retriedEvents() > 0) {
            metrics.outcome(destination, "retry", settlement.retriedEvents());
        }
        if (settlement.unsentEvents() > 0) {
            metrics.outcome(destination, "paused", settlement.unsentEvents());
        }
    }
}
