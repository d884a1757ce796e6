package io.profilehub.outbox;

import java.time.Instant;

/**
 * The new state of one claimed event: delivered, pending again (retry or release), dead or cancelled.
 * {@code attempted}: this claim sent it, which adds one to its attempts (a pending event's attempts are the failed
 * ones, counted towards max-attempts; a delivered or dead one's include the last).
 */
public record EventResult(String workspaceId, long id, String status, boolean attempted, Instant availableAt,
                          Integer httpStatus, String error, String result) {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
    public static final String CANCELLED = "cancelled";
}
