package io.profilehub.sync;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.DataType;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.Optional;

/**
 * Backfill jobs. Callers run these inside their own transactions ({@link SyncService}); the statements join them.
 * The times are PostgreSQL's now(), as for every other table, hence the hand-written insert and update.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface BackfillJobRepository extends GenericRepository<BackfillJob, String> {

    @Query("""
            insert into backfill_jobs (workspace_id, id, destination) values (:workspaceId, :id, :destination)
            returning *
            """)
    BackfillJob insert(String workspaceId, String id, String destination);

    /** A job that is no longer running gets its finishing time. Returns the number of jobs updated (0 or 1). */
    @Query("""
            update backfill_jobs
               set status = :status, enqueued = :enqueued, last_profile_id = :lastProfileId, error = :error,
                   finished_at = case when :status <> 'running' then now() end
             where workspace_id = :workspaceId and id = :id
            """)
    int update(String workspaceId, String id,
               @TypeDef(type = DataType.STRING, converter = BackfillStatus.Column.class) BackfillStatus status,
               long enqueued, @Nullable String lastProfileId, @Nullable String error);

    Optional<BackfillJob> findByWorkspaceIdAndId(String workspaceId, String id);
}
