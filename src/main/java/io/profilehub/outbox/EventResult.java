package io.profilehub.outbox;

import java.time.Instant;

/**
 * The new state of one claimed event: delivered, pending again (retry or release), dead or cancelled.
 * {@code attemptFailed} counts towards max-attempts.
 */
public record EventResult(String workspaceId, long id, String status, boolean attemptFailed, Instant availableAt,
                          Integer httpStatus, String error, String result) {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
    public static final String CANCELLED = "cancelled";
}
