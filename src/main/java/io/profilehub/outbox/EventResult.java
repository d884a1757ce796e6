package io.profilehub.outbox;

import java.time.Instant;

/**
 * What one round did with one change: delivered, pending again (retry or not sent), dead or cancelled.
 * {@code attempted}: this round sent it (the request counts as an attempt, successful or not).
 */
public record EventResult(String workspaceId, long id, String status, boolean attempted, Instant availableAt,
                          Integer httpStatus, String error, String result) {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
    public static final String CANCELLED = "cancelled";
}
