package io.profilehub.outbox;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether one destination may send a request now: its circuit breaker and its rate limit.
 *
 * <p>A vendor that fails (5xx, timeouts, 429) for nearly every request is down for everybody: the breaker opens
 * and the destination stops reading its lanes, so a vendor outage costs no rows per waiting change. It tries
 * one request again after the retry delay, doubling while it keeps failing. Failures of single profiles among
 * successes never reach the threshold; those profiles are parked and the lanes move on.
 */
final class VendorGate {
    private final CircuitBreaker breaker;
    private final RateLimiter rateLimiter;

    VendorGate(DestinationSettings settings, OutboxSettings outbox) {
        this.breaker = breaker(settings, outbox);
        this.rateLimiter = settings.rateLimit() == null ? null : rateLimiter(settings);
    }

    private static RateLimiter rateLimiter(DestinationSettings settings) {
        double perSecond = settings.rateLimit();
        int permits = (int) Math.max(1, Math.round(perSecond));
        Duration period = Duration.ofNanos((long) (permits / perSecond * 1_000_000_000L));
        return RateLimiter.of("destination-" + settings.name(), RateLimiterConfig.custom()
                .limitForPeriod(permits).limitRefreshPeriod(period).timeoutDuration(Duration.ofMinutes(5)).build());
    }

    private static CircuitBreaker breaker(DestinationSettings settings, OutboxSettings outbox) {
        OutboxSettings.Retry retry = outbox.retry();
        return CircuitBreaker.of("destination-" + settings.name(), CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(outbox.breakerMinimumCalls())
                .failureRateThreshold(90)
                .permittedNumberOfCallsInHalfOpenState(1)
                .waitIntervalFunctionInOpenState(IntervalFunction.ofExponentialBackoff(retry.initialDelay(),
                        retry.multiplier(), retry.maxDelay()))
                .build());
    }

    /** A permission for one request; false while the vendor is judged down. */
    boolean tryAcquire() {
        return breaker.tryAcquirePermission();
    }

    /** Gives back a permission that was not used for a request. */
    void release() {
        breaker.releasePermission();
    }

    /**
     * After a worker died holding a permission it may never have used: in the half-open state the breaker waits for
     * the trial's answer without end, so the permission is given back (at worst one more trial request is allowed).
     */
    void recover() {
        if (breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
            breaker.releasePermission();
        }
    }

    /** The breaker is trying the vendor again: one request only. */
    boolean trial() {
        return breaker.getState() == CircuitBreaker.State.HALF_OPEN;
    }

    /** Waits for the rate limit, if the destination has one. */
    void awaitRate() {
        if (rateLimiter != null) {
            RateLimiter.waitForPermission(rateLimiter);
        }
    }

    /** Tells the breaker how the vendor answered one request: failed when nothing in it got through. */
    void record(List<Outcome> answers, long nanos) {
        boolean failed = answers.stream().allMatch(o -> o.kind() == Outcome.Kind.RETRY);
        if (failed) {
            breaker.onError(nanos, TimeUnit.NANOSECONDS, new VendorUnavailable());
        } else {
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The breaker's record of a request the vendor did not take (no stack: it is only counted). */
    static final class VendorUnavailable extends RuntimeException {
        VendorUnavailable() {
            super("vendor did not take the request", null, false, false);
        }
    }
}
