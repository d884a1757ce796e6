package io.profilehub.outbox;

import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Sends one request's worth (of one workspace: {@link WorkspaceRequest}) to a connector, one outcome per delivery. A batch refused as a whole with 400 is split
 * in halves until the bad items are alone, so one invalid profile does not cost the others their delivery. A
 * connector that throws answers "retry" for every delivery of the request.
 */
final class BatchBisection {
    private static final Logger LOG = LoggerFactory.getLogger(BatchBisection.class);

    private final DestinationSettings settings;
    private final Connector connector;

    BatchBisection(DestinationSettings settings, Connector connector) {
        this.settings = settings;
        this.connector = connector;
    }

    List<Outcome> send(WorkspaceRequest request) {
        List<Delivery> deliveries = request.deliveries();
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
        List<Outcome> split = new ArrayList<>(send(request.part(0, half)));
        split.addAll(send(request.part(half, deliveries.size())));
        return split;
    }
}
