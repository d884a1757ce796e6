package io.profilehub.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Sends a round's deliveries in requests of the vendor's batch size, each of one workspace
 * ({@link WorkspaceRequest#partition}), for as long as the round may: it stops at a
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
     * What a round got: the vendor's answer per profile ({@link RoundInput#key}) for each delivery sent, and the
     * profiles whose 5xx came from a batch that could not be split down to them (a failure that may not be theirs).
     */
    record Answers(Map<String, Outcome> outcomes, Set<String> shared) {
    }

    /** Sends what it may of {@code deliveries}, holding one breaker permission already (the claim loop's). */
    Answers send(List<DeliveryPlan.Planned> deliveries, Instant leaseEnds, BooleanSupplier running) {
        Map<String, Outcome> outcomes = new HashMap<>();
        Set<String> shared = new HashSet<>();
        boolean permitted = true; // the loop's permission covers the first request
        boolean first = true;
        // Later requests (and the halves of a split) go only while the lease lasts the next answer; the first always
        // fits (start-up checks lease > timeout).
        BooleanSupplier mayGoOn = () -> running.getAsBoolean() && !pause.paused()
                && !Instant.now().plus(settings.timeout()).plusSeconds(1).isAfter(leaseEnds);
        for (List<DeliveryPlan.Planned> chunk : WorkspaceRequest.partition(deliveries, requestSize)) {
            if (!(first ? running.getAsBoolean() && !pause.paused() : mayGoOn.getAsBoolean())
                    || !(permitted || gate.tryAcquire())) {
                break; // what is left is parked, due at once: nothing is lost and nothing goes twice
            }
            first = false;
            permitted = false;
            gate.awaitRate();
            WorkspaceRequest request = WorkspaceRequest.of(chunk, this::inTheClear);
            List<BatchBisection.Sent> sent = bisection.send(request, mayGoOn);
            List<Outcome> answers = withoutLocators(request, sent.stream().map(BatchBisection.Sent::outcome).toList());
            for (int i = 0; i < chunk.size(); i++) {
                Outcome outcome = answers.get(i);
                String key = RoundInput.key(chunk.get(i).head());
                outcomes.put(key, outcome);
                if (sent.get(i).undecided()) {
                    shared.add(key);
                }
                if (outcome.kind() == Outcome.Kind.PAUSE) {
                    pause.pause(outcome);
                }
            }
        }
        if (permitted) {
            gate.release(); // nothing was sent
        }
        return new Answers(outcomes, shared);
    }

    /**
     * The answers with every value of the request's erasure locators blanked out: an answer to an erasure (Ours's
     * scrub carries the email; a bulk deletion the vendor user ids) may quote them, and it is stored after the person
     * is gone, where the erasure's own scrub of the stored answers came too early to find it.
     */
    static List<Outcome> withoutLocators(WorkspaceRequest request, List<Outcome> answers) {
        List<Pattern> values = new ArrayList<>();
        for (Delivery d : request.deliveries()) {
            d.event().path("locator").forEach(v -> {
                if (v.isTextual() && !v.asText().isEmpty()) {
                    values.add(Pattern.compile(Pattern.quote(v.asText()),
                            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
                }
            });
        }
        if (values.isEmpty()) {
            return answers;
        }
        return answers.stream().map(o -> {
            if (o.detail() == null) {
                return o;
            }
            String detail = o.detail();
            for (Pattern value : values) {
                detail = value.matcher(detail).replaceAll(ERASED);
            }
            return new Outcome(o.kind(), o.status(), detail, o.retryAfter(), o.result());
        }).toList();
    }

    private static final String ERASED = "[erased]";

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
