package io.profilehub.destination;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * Speaks one vendor's API for one destination. The delivery engine hands it events in per-profile order and acts
 * on the outcomes: it never retries, pauses or dead-letters by itself.
 */
public interface Connector {
    /** Most deliveries one call of {@link #send} may carry; 1 where the vendor takes one user per request. */
    default int maxBatchSize() {
        return 1;
    }

    /**
     * What this vendor needs to find a user on its side when the user is erased (for example its user id and
     * email), taken from the profile's identifiers before they are deleted. It is kept encrypted until the erasure
     * is delivered, then scrubbed. The default needs nothing beyond our profile id, which every event carries.
     */
    default Map<String, String> erasureLocator(String profileId, ObjectNode identifiers) {
        return Map.of();
    }

    /**
     * Whether the vendor can delete (or at least scrub) a user. A merge queues the absorbed user's removal only where
     * it can; elsewhere it reports the absorbed user as remaining.
     */
    default boolean deletes() {
        return true;
    }

    /** Sends the deliveries and answers one outcome per delivery, in the same order. Never throws for I/O. */
    List<Outcome> send(List<Delivery> deliveries);
}
