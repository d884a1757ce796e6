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

    private final Map<String, DeliveryRepository.Backlog> backlog = new ConcurrentHashMap<>();

    /** Publishes the latest backlog reading; gauges are registered once per destination. */
    public void backlog(Iterable<String> destinations, Map<String, DeliveryRepository.Backlog> reading) {
        for (String destination : destinations) {
            DeliveryRepository.Backlog value = reading.getOrDefault(destination, new DeliveryRepository.Backlog(0, 0));
            if (backlog.put(destination, value) == null) {
                io.micrometer.core.instrument.Gauge.builder("profilehub.outbox.pending",
                                () -> backlog.get(destination).pending())
                        .description("Events waiting for delivery (pending or in flight)")
                        .tag("destination", destination).register(registry);
                io.micrometer.core.instrument.Gauge.builder("profilehub.outbox.oldest.pending.age",
                                () -> backlog.get(destination).oldestAgeSeconds())
                        .description("Age in seconds of the oldest event waiting for delivery")
                        .baseUnit("seconds").tag("destination", destination).register(registry);
            }
        }
    }

    /** A delivery worker died (any Throwable) and was started again. */
    public void workerRestarted(String destination) {
        counters.computeIfAbsent(destination + "/restart", k -> Counter.builder("profilehub.delivery.worker.restarts")
                        .description("Delivery workers that died and were restarted, by destination")
                        .tag("destination", destination).register(registry))
                .increment();
    }

    public void latency(String destination, Duration commitToDelivery) {
        latencies.computeIfAbsent(destination, k -> Timer.builder("profilehub.delivery.latency")
                        .description("Time from the change's commit to the vendor's acceptance")
                        .publishPercentiles(0.5, 0.99)
                        .tag("destination", destination).register(registry))
                .record(commitToDelivery);
    }
}
