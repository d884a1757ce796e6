package io.profilehub.sync;

import io.profilehub.http.Timestamps;

import java.util.List;

/** {@code GET /identify/{userId}/sync}: the latest event of a profile for each destination. */
public record ProfileSync(String userId, List<State> destinations) {

    /** One destination's row: {@link None} where no event of the profile was ever queued for it. */
    public sealed interface State permits None, Event {
    }

    public record None(String name, String status) implements State {
        None(String name) {
            this(name, "none");
        }
    }

    /** nextAttemptAt only while pending; finishedAt is the delivery or dead-letter time. */
    public record Event(String name, String status, long eventId, Long version, String kind, int attempts,
                        String queuedAt, String finishedAt, String nextAttemptAt, Integer lastStatus,
                        String lastError) implements State {

        static Event of(SyncRepository.EventView e) {
            return new Event(e.destination(), e.status().equals("in_flight") ? "pending" : e.status(), e.id(),
                    e.event().path("version").isMissingNode() ? null : e.event().get("version").asLong(), e.kind(),
                    e.attempts(), Timestamps.iso(e.createdAt()), Timestamps.iso(e.finishedAt()),
                    e.status().equals("pending") ? Timestamps.iso(e.availableAt()) : null, e.lastStatus(),
                    e.lastError());
        }
    }
}
