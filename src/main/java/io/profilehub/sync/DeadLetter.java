package io.profilehub.sync;

import com.fasterxml.jackson.databind.JsonNode;
import io.profilehub.http.Timestamps;

/** An event a destination refused for good, as {@code GET /sync/dead-letters} lists it. */
public record DeadLetter(long id, String destination, String userId, String kind, int attempts, Integer lastStatus,
                         String lastError, String createdAt, String deadAt, JsonNode event) {

    /**
     * Without what holds the profile's data: the event, and the vendor's answer, which may quote it. An admin key
     * operates delivery; reading profiles takes profiles:read as well.
     */
    DeadLetter withoutProfileData() {
        return new DeadLetter(id, destination, userId, kind, attempts, lastStatus, null, createdAt, deadAt, null);
    }

    static DeadLetter of(SyncRepository.EventView e) {
        return new DeadLetter(e.id(), e.destination(), e.profileId(), e.kind(), e.attempts(), e.lastStatus(),
                e.lastError(), Timestamps.iso(e.createdAt()), Timestamps.iso(e.finishedAt()),
                Timestamps.event(e.event()));
    }
}
