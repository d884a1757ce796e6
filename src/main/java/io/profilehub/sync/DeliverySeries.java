package io.profilehub.sync;

import io.profilehub.outbox.DeliveryMinutes;
import io.profilehub.http.Timestamps;

import java.util.List;

/** Deliveries per minute of one destination, oldest minute first (the console's charts). */
public record DeliverySeries(String destination, List<Minute> minutes) {

    public record Minute(String minute, long delivered, long retried, long dead, Double lagAvgMs, Long lagMaxMs) {
        static Minute of(DeliveryMinutes.Minute m) {
            return new Minute(Timestamps.iso(m.minute()), m.delivered(), m.retried(), m.dead(), m.lagAvgMs(),
                    m.lagMaxMs());
        }
    }
}
