package io.profilehub.outbox;

import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.Connector;
import io.profilehub.destination.DestinationSettings;
import jakarta.inject.Singleton;

import java.sql.Connection;

/** Puts together one destination's dispatcher: its pause state, vendor gate, sender and claim loop. */
@Singleton
class DispatcherFactory {
    private final OutboxSettings outbox;
    private final TransactionOperations<Connection> tx;
    private final DestinationStateRepository states;
    private final LaneClaims claims;
    private final RoundSettler settler;
    private final SealedFields sealer;
    private final DeliveryMetrics metrics;

    DispatcherFactory(OutboxSettings outbox, TransactionOperations<Connection> tx, DestinationStateRepository states,
                      LaneClaims claims, RoundSettler settler, SealedFields sealer, DeliveryMetrics metrics) {
        this.metrics = metrics;
        this.outbox = outbox;
        this.tx = tx;
        this.states = states;
        this.claims = claims;
        this.settler = settler;
        this.sealer = sealer;
    }

    DestinationDispatcher create(DestinationSettings settings, Connector connector, String instanceId) {
        PauseState pause = new PauseState(settings.name(), tx, states, outbox.stateInterval());
        VendorGate gate = new VendorGate(settings, outbox);
        Wakeup wakeup = new Wakeup();
        RoundSender sender = new RoundSender(settings, connector.maxBatchSize(), gate, pause,
                new BatchBisection(settings, connector, gate), sealer);
        ClaimLoop loop = new ClaimLoop(settings, outbox, connector.maxBatchSize(), claims, pause, gate, wakeup, sender,
                settler);
        return new DestinationDispatcher(settings, instanceId, loop, pause, wakeup, claims, gate, metrics,
                outbox.pollInterval());
    }
}
