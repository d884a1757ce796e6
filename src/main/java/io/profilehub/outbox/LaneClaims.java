package io.profilehub.outbox;

import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.DestinationSettings;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

/** Leases lanes of the change log for a worker and reads their changes, and gives a stopping worker's leases back. */
@Singleton
class LaneClaims {
    private final TransactionOperations<Connection> tx;
    private final DeliveryRepository deliveries;

    LaneClaims(TransactionOperations<Connection> tx, DeliveryRepository deliveries) {
        this.tx = tx;
        this.deliveries = deliveries;
    }

    /** Leases up to {@code lanes} lanes with work for {@code owner} and reads them, in one transaction. */
    RoundInput claim(DestinationSettings destination, Duration lease, String owner, int lanes, int perLane,
                     int dueLimit) {
        return tx.executeWrite(status -> RoundInput.read(status.getConnection(), deliveries, destination, lease,
                owner, lanes, perLane, dueLimit));
    }

    /** Gives back every lane these owners still hold, so other instances take them at once. */
    void release(List<String> owners) {
        tx.executeWrite(status -> {
            for (String owner : owners) {
                deliveries.releaseOwner(status.getConnection(), owner);
            }
            return null;
        });
    }
}
