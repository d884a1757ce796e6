package io.profilehub.outbox;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Paused flags of destinations and each workspace's last failure at each, shared by every instance through the
 * database. Neither ever holds a vendor's answer: a destination may serve several workspaces, and a vendor's answer
 * may echo the profile it was sent. The answer stays on the event row, which belongs to one workspace.
 */
@Singleton
public class DestinationStateRepository {
    public record State(boolean paused, String pausedReason, Instant pausedAt) {
        public static final State NONE = new State(false, null, null);
    }

    /** A workspace's last failure at a destination: a category sentence, never the vendor's words. */
    public record LastError(String error, Instant at) {
        public static final LastError NONE = new LastError(null, null);
    }

    /** A row of {@code destination_state}, as far as this class reads it (the workspaces column is the engine's). */
    @MappedEntity("destination_state")
    public record Row(@Id String name, boolean paused, @Nullable String pausedReason, @Nullable Instant pausedAt) {
    }

    /** A row of {@code destination_workspace_state}. */
    @Introspected
    public record WorkspaceRow(String destination, String workspaceId, String lastError, Instant lastErrorAt) {
    }

    /*
     * Hand-written statements: upserts (ON CONFLICT), an unnest of two arrays for the errors of a round, and a NOTIFY.
     * The pause time is PostgreSQL's clock, as every instance sees the same one.
     */
    @JdbcRepository(dialect = Dialect.POSTGRES)
    public interface Rows extends GenericRepository<Row, String> {

        List<Row> findAll();

        Optional<Row> findByName(String name);

        @Query("""
                insert into destination_state (name, paused, paused_reason, paused_at)
                values (:name, :paused, :reason, case when :paused then now() end)
                on conflict (name) do update
                   set paused = excluded.paused, paused_reason = excluded.paused_reason, paused_at = excluded.paused_at
                """)
        int setPaused(String name, boolean paused, @Nullable String reason);

        @Query("""
                insert into destination_workspace_state (destination, workspace_id, last_error, last_error_at)
                select :destination, w.workspace_id, w.error, now()
                  from unnest(cast(:workspaceIds as text[]), cast(:errors as text[])) as w(workspace_id, error)
                on conflict (destination, workspace_id) do update
                   set last_error = excluded.last_error, last_error_at = excluded.last_error_at
                """)
        int setLastErrors(String destination, String[] workspaceIds, String[] errors);

        /** Every workspace's when {@code workspaceId} is null. */
        @Query("""
                select destination, workspace_id, last_error, last_error_at from destination_workspace_state
                 where cast(:workspaceId as text) is null or workspace_id = :workspaceId
                """)
        List<WorkspaceRow> lastErrors(@Nullable String workspaceId);

        /* "state:" tells listeners to re-read the state (every worker wakes); a bare name only announces changes. */
        @Query("select 1 from pg_notify('profilehub_outbox', 'state:' || :name)")
        int notifyState(String name);
    }

    private final Rows rows;

    public DestinationStateRepository(Rows rows) {
        this.rows = rows;
    }

    /*
     * Every method takes the connection of the caller's transaction (the engine's callers pass it) and runs its
     * statements through the repository, which joins that same transaction and so uses that same connection.
     */

    public Map<String, State> readAll(Connection c) throws SQLException {
        Map<String, State> states = new HashMap<>();
        for (Row row : rows.findAll()) {
            states.put(row.name(), state(row));
        }
        return states;
    }

    public State read(Connection c, String name) throws SQLException {
        return rows.findByName(name).map(DestinationStateRepository::state).orElse(State.NONE);
    }

    public void setPaused(Connection c, String name, boolean paused, String reason) throws SQLException {
        rows.setPaused(name, paused, paused ? reason : null);
        notifyDestination(c, name);
    }

    /** Records the last failure of each workspace's events in one delivery round. */
    public void setLastErrors(Connection c, String destination, Map<String, String> errorByWorkspace)
            throws SQLException {
        List<Map.Entry<String, String>> entries = List.copyOf(errorByWorkspace.entrySet());
        rows.setLastErrors(destination, entries.stream().map(Map.Entry::getKey).toArray(String[]::new),
                entries.stream().map(Map.Entry::getValue).toArray(String[]::new));
    }

    /** Last failures by destination for one workspace. */
    public Map<String, LastError> lastErrors(Connection c, String workspaceId) throws SQLException {
        Map<String, LastError> errors = new HashMap<>();
        for (Map.Entry<String, Map<String, LastError>> e : allLastErrors(c, workspaceId).entrySet()) {
            errors.put(e.getKey(), e.getValue().getOrDefault(workspaceId, LastError.NONE));
        }
        return errors;
    }

    /** Last failures by destination, then workspace; every workspace when {@code workspaceId} is null. */
    public Map<String, Map<String, LastError>> allLastErrors(Connection c, String workspaceId) throws SQLException {
        Map<String, Map<String, LastError>> errors = new HashMap<>();
        for (WorkspaceRow row : rows.lastErrors(workspaceId)) {
            errors.computeIfAbsent(row.destination(), k -> new TreeMap<>())
                    .put(row.workspaceId(), new LastError(row.lastError(), row.lastErrorAt()));
        }
        return errors;
    }

    /** Wakes the workers of this destination on every instance (they re-read their state when woken). */
    public void notifyDestination(Connection c, String name) throws SQLException {
        rows.notifyState(name);
    }

    private static State state(Row row) {
        return new State(row.paused(), row.pausedReason(), row.pausedAt());
    }
}
