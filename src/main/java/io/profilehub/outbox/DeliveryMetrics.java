package io.profilehub.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Deliveries by destination and outcome, and commit-to-delivery latency. */
@Singleton
public class DeliveryMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> latencies = new ConcurrentHashMap<>();

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void outcome(String destination, String outcome, int events) {
        counters.computeIfAbsent(destination + "/" + outcome, k -> Counter.builder("profilehub.deliveries")
                        .description("Outbox events settled, by destination and outcome")
                        .tag("destination", destination).tag("outcome", outcome).register(registry))
                .increment(events);
    }

    public void latency(String destination, Duration commitToDelivery) {
        latencies.computeIfAbsent(destination, k -> Timer.builder("profilehub.delivery.latency")
                        .description("Time from the change's commit to the vendor's acceptance")
                        .publishPercentiles(0.5, 0.99)
                        .tag("destination", destination).register(registry))
                .record(commitToDelivery);
    }
}
