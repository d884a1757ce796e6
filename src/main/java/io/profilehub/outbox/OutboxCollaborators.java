package io.profilehub.outbox;

import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.sql.Connection;

/** What every dispatcher needs, bundled so a dispatcher's constructor stays short. */
@Singleton
record OutboxCollaborators(TransactionOperations<Connection> tx, DeliveryRepository deliveries,
                           DestinationStateRepository states, RetryPolicy retry, OutboxSettings settings,
                           DeliveryMetrics metrics, SealedFields sealer,
                           DeliveryMinutes minutes) {
}
