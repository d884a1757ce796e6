package io.profilehub.outbox;

import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Sends one request's worth (of one workspace: {@link WorkspaceRequest}) to a connector, one outcome per delivery,
 * and splits a batch the vendor refused as a whole, so one bad item does not cost the others their delivery:
 * <ul>
 * <li>refused with 400: split in halves until the bad items are alone (they are dead-lettered, the others
 * delivered);</li>
 * <li>answered 5xx: split in halves too, each half a request of its own that the breaker must allow, so the items
 * that fail only beside a poison item are delivered and the poison item is left failing on its own. While the vendor
 * fails for everybody the breaker opens after a few requests and stops the splitting.</li>
 * </ul>
 * An item left in a failing part when the splitting stops is marked {@link Sent#undecided()}: it is not
 * dead-lettered for that answer (see {@link RoundSettlement}). A connector that throws answers "retry" for every
 * delivery of the request. Every request is recorded with the breaker here.
 */
final class BatchBisection {
    private static final Logger LOG = LoggerFactory.getLogger(BatchBisection.class);

    private final DestinationSettings settings;
    private final Connector connector;
    private final VendorGate gate;

    BatchBisection(DestinationSettings settings, Connector connector, VendorGate gate) {
        this.settings = settings;
        this.connector = connector;
        this.gate = gate;
    }

    /**
     * One delivery's answer; {@code undecided}: a 5xx given to a whole batch whose splitting stopped before this
     * delivery went in a part of its own (the breaker opened, the lease ran short), so the failure may be another
     * item's.
     */
    record Sent(Outcome outcome, boolean undecided) {
    }

    /**
     * Sends the request, holding one breaker permission for it; split requests take permissions of their own, and
     * only while {@code mayGoOn} (running, not paused, the lease lasting).
     */
    List<Sent> send(WorkspaceRequest request, BooleanSupplier mayGoOn) {
        List<Outcome> outcomes = request(request);
        int size = request.size();
        if (size > 1 && outcomes.stream().allMatch(o -> o.kind() == Outcome.Kind.DEAD && o.status() == 400)) {
            int half = size / 2;
            // No permission needed: the vendor answered, it is not failing.
            List<Sent> split = new ArrayList<>(send(request.part(0, half), mayGoOn));
            split.addAll(send(request.part(half, size), mayGoOn));
            return split;
        }
        if (size > 1 && outcomes.stream().allMatch(o -> o.kind() == Outcome.Kind.RETRY && o.status() >= 500)) {
            int half = size / 2;
            List<Sent> split = new ArrayList<>(retryPart(request, 0, half, outcomes, mayGoOn));
            split.addAll(retryPart(request, half, size, outcomes, mayGoOn));
            return split;
        }
        return outcomes.stream().map(o -> new Sent(o, false)).toList();
    }

    /** One half of a batch answered 5xx as a whole: sent on its own if allowed, else it keeps the shared answer. */
    private List<Sent> retryPart(WorkspaceRequest request, int from, int to, List<Outcome> shared,
                                 BooleanSupplier mayGoOn) {
        if (mayGoOn.getAsBoolean() && gate.tryAcquire()) {
            gate.awaitRate();
            return send(request.part(from, to), mayGoOn);
        }
        List<Sent> kept = new ArrayList<>();
        for (int i = from; i < to; i++) {
            kept.add(new Sent(shared.get(i), true));
        }
        return Collections.unmodifiableList(kept);
    }

    private List<Outcome> request(WorkspaceRequest request) {
        List<Delivery> deliveries = request.deliveries();
        long started = System.nanoTime();
        List<Outcome> outcomes;
        try {
            outcomes = connector.send(deliveries);
        } catch (RuntimeException e) {
            // The class only: an exception's message may quote what was being sent or what the vendor said.
            LOG.warn("Destination {}: connector failed: {}", settings.name(), e.getClass().getName());
            Outcome failed = Outcome.retry(0, "connector error: " + e.getClass().getSimpleName(), null);
            outcomes = deliveries.stream().map(d -> failed).toList();
        }
        if (outcomes.size() != deliveries.size()) {
            throw new IllegalStateException("connector " + settings.type() + " answered " + outcomes.size()
                    + " outcomes for " + deliveries.size() + " deliveries");
        }
        gate.record(outcomes, System.nanoTime() - started);
        return outcomes;
    }
}
