package io.profilehub.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An outbox row a worker holds under its lease. */
public record ClaimedEvent(String workspaceId, long id, String profileId, String kind, ObjectNode payload,
                           int attempts, java.time.Instant createdAt) {
}
