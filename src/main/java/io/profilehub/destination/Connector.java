package io.profilehub.destination;

import java.util.List;

/**
 * Speaks one vendor's API for one destination. The delivery engine hands it events in per-profile order and acts
 * on the outcomes: it never retries, pauses or dead-letters by itself.
 */
public interface Connector {
    /** Most deliveries one call of {@link #send} may carry; 1 where the vendor takes one user per request. */
    default int maxBatchSize() {
        return 1;
    }

    /** Sends the deliveries and answers one outcome per delivery, in the same order. Never throws for I/O. */
    List<Outcome> send(List<Delivery> deliveries);
}
