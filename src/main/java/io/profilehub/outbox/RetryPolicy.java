package io.profilehub.outbox;

import io.github.resilience4j.core.IntervalFunction;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a failed delivery again: exponential backoff (default 2 s doubling to at most 60 s) plus 1–5 s of
 * random jitter, or the vendor's Retry-After when it names a later time.
 */
@Singleton
public class RetryPolicy {
    private final OutboxSettings.Retry settings;
    private final IntervalFunction backoff;

    public RetryPolicy(OutboxSettings settings) {
        this.settings = settings.retry();
        this.backoff = IntervalFunction.ofExponentialBackoff(this.settings.initialDelay(), this.settings.multiplier(),
                this.settings.maxDelay());
    }

    /** Delay before attempt {@code failedAttempts + 1}, given how many attempts have failed so far (1 or more). */
    public Duration delay(int failedAttempts, Duration retryAfter) {
        long base = backoff.apply(Math.max(1, failedAttempts));
        long min = settings.jitterMin().toMillis();
        long max = Math.max(min, settings.jitterMax().toMillis());
        long jitter = min == max ? min : ThreadLocalRandom.current().nextLong(min, max + 1);
        Duration computed = Duration.ofMillis(base + jitter);
        if (retryAfter != null && retryAfter.compareTo(computed) > 0) {
            return retryAfter;
        }
        return computed;
    }

    public boolean exhausted(int failedAttempts) {
        return failedAttempts >= settings.maxAttempts();
    }
}
