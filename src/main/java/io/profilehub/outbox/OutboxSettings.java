package io.profilehub.outbox;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Positive;

import java.time.Duration;

/**
 * {@code profilehub.outbox.*}: how the delivery engine reads the change log, retries, and keeps the log.
 * linger: how long a worker woken by a commit waits for more commits to share its round.
 * stateInterval: how often a running destination re-reads its pause state without a notification.
 * breakerMinimumCalls: requests the breaker judges before it may open.
 */
@ConfigurationProperties("profilehub.outbox")
public record OutboxSettings(
        @Bindable(defaultValue = "true") boolean enabled,
        @Bindable(defaultValue = "60s") Duration lease,
        @Bindable(defaultValue = "2s") Duration pollInterval,
        @Bindable(defaultValue = "100") @Positive(message = POSITIVE) int batchSize,
        @Bindable(defaultValue = "7d") Duration retention,
        @Bindable(defaultValue = "500ms") Duration shutdownGrace,
        @Bindable(defaultValue = "10ms") Duration linger,
        @Bindable(defaultValue = "30s") Duration stateInterval,
        @Bindable(defaultValue = "10") @Positive(message = POSITIVE) int breakerMinimumCalls,
        Retry retry) {
    static final String POSITIVE = "must be greater than zero";

    public OutboxSettings {
        positive("profilehub.outbox.lease", lease);
        positive("profilehub.outbox.poll-interval", pollInterval);
        positive("profilehub.outbox.retention", retention);
        positive("profilehub.outbox.state-interval", stateInterval);
    }

    private static void positive(String key, Duration value) {
        if (value != null && (value.isZero() || value.isNegative())) {
            throw new IllegalArgumentException(key + " must be longer than zero, not " + value);
        }
    }

    @ConfigurationProperties("retry")
    public record Retry(
            @Bindable(defaultValue = "2s") Duration initialDelay,
            @Bindable(defaultValue = "2") @DecimalMin(value = "1", message = "must be at least 1") double multiplier,
            @Bindable(defaultValue = "60s") Duration maxDelay,
            @Bindable(defaultValue = "1s") Duration jitterMin,
            @Bindable(defaultValue = "5s") Duration jitterMax,
            @Bindable(defaultValue = "20") @Positive(message = POSITIVE) int maxAttempts) {
        public Retry {
            positive("profilehub.outbox.retry.initial-delay", initialDelay);
            positive("profilehub.outbox.retry.max-delay", maxDelay);
        }
    }
}
