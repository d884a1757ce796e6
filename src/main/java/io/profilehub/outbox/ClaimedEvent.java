package io.profilehub.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.ChangeOrigin;

import java.time.Instant;

/**
 * A change of the log as one destination's worker holds it: {@code id} is its log id, ({@code lane}, {@code seq})
 * its place in its lane, {@code attempts} the failed attempts already made with it (a parked profile's),
 * {@code origin} what made it.
 */
public record ClaimedEvent(String workspaceId, long id, String profileId, String kind, ObjectNode payload,
                           int attempts, Instant createdAt, int lane, long seq, Long version, ChangeOrigin origin) {

    public ClaimedEvent(String workspaceId, long id, String profileId, String kind, ObjectNode payload, int attempts,
                        Instant createdAt, int lane, long seq, Long version) {
        this(workspaceId, id, profileId, kind, payload, attempts, createdAt, lane, seq, version, ChangeOrigin.NONE);
    }

    /** An upsert that erasure emptied: nothing of it may reach a vendor. */
    boolean scrubbed() {
        return payload.has("scrubbed");
    }
}
