package io.profilehub.sync;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.model.DataType;

import java.time.Instant;

/**
 * A row of {@code backfill_jobs}. The table's key is (workspace_id, id); ids are random and every query names the
 * workspace as well, so {@code id} stands for the row here (as for API keys). Not qualified with a schema: the
 * pool's connections have {@code profilehub.schema} as theirs.
 */
@MappedEntity("backfill_jobs")
public record BackfillJob(String workspaceId, @Id String id, String destination,
                          @TypeDef(type = DataType.STRING, converter = BackfillStatus.Column.class) BackfillStatus status,
                          long enqueued, @Nullable String lastProfileId, @Nullable String error, Instant startedAt,
                          @Nullable Instant finishedAt) {
}
