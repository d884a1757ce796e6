package io.profilehub.sync;

import io.profilehub.http.Timestamps;

/** A backfill job as {@code POST /sync/destinations/{name}/backfill} and {@code GET /sync/backfills/{id}} show it. */
public record BackfillView(String id, String destination, String status, long enqueued, String error,
                           String startedAt, String finishedAt) {

    static BackfillView of(SyncRepository.BackfillJob job) {
        return new BackfillView(job.id(), job.destination(), job.status(), job.enqueued(), job.error(),
                Timestamps.iso(job.startedAt()), Timestamps.iso(job.finishedAt()));
    }
}
