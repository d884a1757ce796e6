package io.profilehub.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Sends a round's deliveries in requests of the vendor's batch size, for as long as the round may: it stops at a
 * pause, when the breaker refuses, when the lease would run out before the next answer, or at shutdown. What it did
 * not send has no outcome, and the settlement keeps it where it was. Credentials refused pause the destination.
 */
final class RoundSender {
    private final DestinationSettings settings;
    private final int requestSize;
    private final VendorGate gate;
    private final PauseState pause;
    private final BatchBisection bisection;
    private final SealedFields sealer;

    RoundSender(DestinationSettings settings, int requestSize, VendorGate gate, PauseState pause,
                BatchBisection bisection, SealedFields sealer) {
        this.settings = settings;
        this.requestSize = Math.max(1, requestSize);
        this.gate = gate;
        this.pause = pause;
        this.bisection = bisection;
        this.sealer = sealer;
    }

    /**
     * Sends what it may of {@code deliveries}, holding one breaker permission already (the claim loop's).
     *
     * @return the vendor's answer per profile ({@link RoundInput#key}) for each delivery sent
     */
    Map<String, Outcome> send(List<DeliveryPlan.Planned> deliveries, Instant leaseEnds, BooleanSupplier running) {
        Map<String, Outcome> outcomes = new HashMap<>();
        boolean permitted = true; // the loop's permission covers the first request
        for (int from = 0; from < deliveries.size(); from += requestSize) {
            List<DeliveryPlan.Planned> chunk = deliveries.subList(from, Math.min(deliveries.size(), from + requestSize));
            // The first request always fits (start-up checks lease > timeout); later ones only while the lease lasts.
            boolean leaseTooShort = from > 0 && Instant.now().plus(settings.timeout()).plusSeconds(1).isAfter(leaseEnds);
            if (!running.getAsBoolean() || pause.paused() || leaseTooShort || !(permitted || gate.tryAcquire())) {
                break; // what is left is parked, due at once: nothing is lost and nothing goes twice
            }
            permitted = false;
            gate.awaitRate();
            long started = System.nanoTime();
            List<Outcome> answers = bisection.send(chunk.stream().map(p -> inTheClear(p.delivery())).toList());
            gate.record(answers, System.nanoTime() - started);
            for (int i = 0; i < chunk.size(); i++) {
                Outcome outcome = answers.get(i);
                outcomes.put(RoundInput.key(chunk.get(i).head()), outcome);
                if (outcome.kind() == Outcome.Kind.PAUSE) {
                    pause.pause(outcome);
                }
            }
        }
        if (permitted) {
            gate.release(); // nothing was sent
        }
        return outcomes;
    }

    /** Gives the connector the sealed locator of an erasure in the clear, in memory only. */
    private Delivery inTheClear(Delivery delivery) {
        if (!delivery.event().has("sealed")) {
            return delivery;
        }
        ObjectNode event = delivery.event().deepCopy();
        ObjectNode locator = event.putObject("locator");
        sealer.unseal(event.remove("sealed").asText()).forEach(locator::put);
        return delivery.withEvent(event);
    }
}
