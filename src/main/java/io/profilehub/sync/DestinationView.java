package io.profilehub.sync;

import io.profilehub.destination.DestinationSettings;
import io.profilehub.http.Timestamps;
import io.profilehub.outbox.DestinationStateRepository;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A destination as a workspace's operator sees it: its settings, pause state and queue of this workspace. */
public record DestinationView(String name, String type, String url, boolean enabled, int concurrency,
                              Double rateLimit, boolean paused, String pausedReason, String pausedAt, long pending,
                              long inFlight, long dead, long deliveredLastHour, Double oldestPendingAgeSeconds,
                              String lastError, String lastErrorAt) {

    /** The answer of {@code GET /sync/destinations}. */
    public record Listed(List<DestinationView> data) {
    }

    static DestinationView of(DestinationSettings d, DestinationStateRepository.State state,
                              SyncRepository.DestinationCounts c, DestinationStateRepository.LastError error) {
        return new DestinationView(d.name(), d.type(), d.url().toString(), d.enabled(), d.concurrency(),
                d.rateLimit(), state.paused(), state.pausedReason(), Timestamps.iso(state.pausedAt()), c.pending(),
                c.inFlight(), c.dead(), c.deliveredLastHour(), c.oldestPending() == null ? null
                : Duration.between(c.oldestPending(), Instant.now()).toMillis() / 1000.0,
                error.error(), Timestamps.iso(error.at()));
    }
}
