package io.profilehub.auth;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.inject.Singleton;
import jakarta.validation.constraints.Positive;

import java.time.Duration;

/**
 * Per-API-key request limits ({@code profilehub.rate-limit.*}, off by default), counted by each instance: with N
 * instances behind a balancer a key may get up to N times the limit.
 */
@Singleton
public class RateLimits {
    @ConfigurationProperties("profilehub.rate-limit")
    public record Settings(@Bindable(defaultValue = "false") boolean enabled,
                           @Bindable(defaultValue = "100") @Positive(message = "must be greater than zero")
                           int requestsPerSecond) {
    }

    private final Settings settings;
    private final RateLimiterRegistry registry;

    public RateLimits(Settings settings) {
        this.settings = settings;
        this.registry = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(Math.max(1, settings.requestsPerSecond()))
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    /** Returns null when the key may go on, else how many seconds to wait. */
    public Long check(String keyId) {
        if (!settings.enabled()) {
            return null;
        }
        RateLimiter limiter = registry.rateLimiter(keyId);
        if (limiter.acquirePermission()) {
            return null;
        }
        long nanos = limiter.reservePermission();
        // reservePermission with a zero timeout only reports; it does not hold a permit for us.
        return Math.max(1, (long) Math.ceil(Math.max(0, nanos) / 1e9));
    }
}
