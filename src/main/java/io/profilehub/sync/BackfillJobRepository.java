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

    /** Fails (unique violation, db/V26) when a backfill of this destination is running in the workspace already. */
    @Query("""
            insert into backfill_jobs (workspace_id, id, destination) values (:workspaceId, :id, :destination)
            returning *
            """)
    BackfillJob insert(String workspaceId, String id, String destination);

    @Query("""
            select * from backfill_jobs where workspace_id = :workspaceId and destination = :destination
               and status = 'running'
            """)
    Optional<BackfillJob> running(String workspaceId, String destination);

    /**
     * Ends a running job that made no progress for {@code staleSeconds}: its instance stopped (a job that runs
     * finishes a page far more often), so it will never finish, and would keep every later backfill out.
     */
    @Query("""
            update backfill_jobs
               set status = 'failed', finished_at = now(),
                   error = 'stopped: no progress for ' || :staleSeconds || ' s (its instance stopped?); start a new backfill'
             where workspace_id = :workspaceId and destination = :destination and status = 'running'
               and progress_at < now() - make_interval(secs => :staleSeconds)
            """)
    int endStale(String workspaceId, String destination, int staleSeconds);

    /** A job that is no longer running gets its finishing time. Returns the number of jobs updated (0 or 1). */
    @Query("""
            update backfill_jobs
               set status = :status, enqueued = :enqueued, last_profile_id = :lastProfileId, error = :error,
                   finished_at = case when :status <> 'running' then now() end, progress_at = now()
             where workspace_id = :workspaceId and id = :id
            """)
    int update(String workspaceId, String id,
               @TypeDef(type = DataType.STRING, converter = BackfillStatus.Column.class) BackfillStatus status,
               long enqueued, @Nullable String lastProfileId, @Nullable String error);

    Optional<BackfillJob> findByWorkspaceIdAndId(String workspaceId, String id);
}
