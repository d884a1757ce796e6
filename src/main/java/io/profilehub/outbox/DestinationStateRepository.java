package io.profilehub.outbox;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

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

    private static final String READ_ALL = """
            select name, paused, paused_reason, paused_at from destination_state
            """;
    private static final String SET_PAUSED = """
            insert into destination_state (name, paused, paused_reason, paused_at) values (?, ?, ?, case when ? then now() end)
            on conflict (name) do update
               set paused = excluded.paused, paused_reason = excluded.paused_reason, paused_at = excluded.paused_at
            """;
    private static final String SET_ERRORS = """
            insert into destination_workspace_state (destination, workspace_id, last_error, last_error_at)
            select ?, w.workspace_id, w.error, now() from unnest(?::text[], ?::text[]) as w(workspace_id, error)
            on conflict (destination, workspace_id) do update
               set last_error = excluded.last_error, last_error_at = excluded.last_error_at
            """;
    private static final String READ_ERRORS = """
            select destination, workspace_id, last_error, last_error_at from destination_workspace_state
             where ?::text is null or workspace_id = ?::text
            """;
    /* "state:" tells listeners to re-read the state (every worker wakes); a bare name only announces changes. */
    private static final String NOTIFY = "select pg_notify('profilehub_outbox', 'state:' || ?)";

    public Map<String, State> readAll(Connection c) throws SQLException {
        Map<String, State> states = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(READ_ALL); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                states.put(rs.getString(1), new State(rs.getBoolean(2), rs.getString(3), instant(rs, 4)));
            }
        }
        return states;
    }

    public State read(Connection c, String name) throws SQLException {
        return readAll(c).getOrDefault(name, State.NONE);
    }

    public void setPaused(Connection c, String name, boolean paused, String reason) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_PAUSED)) {
            ps.setString(1, name);
            ps.setBoolean(2, paused);
            ps.setString(3, paused ? reason : null);
            ps.setBoolean(4, paused);
            ps.executeUpdate();
        }
        notifyDestination(c, name);
    }

    /** Records the last failure of each workspace's events in one delivery round. */
    public void setLastErrors(Connection c, String destination, Map<String, String> errorByWorkspace)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_ERRORS)) {
            ps.setString(1, destination);
            ps.setArray(2, c.createArrayOf("text", errorByWorkspace.keySet().toArray()));
            ps.setArray(3, c.createArrayOf("text", errorByWorkspace.values().toArray()));
            ps.executeUpdate();
        }
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
        try (PreparedStatement ps = c.prepareStatement(READ_ERRORS)) {
            ps.setString(1, workspaceId);
            ps.setString(2, workspaceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    errors.computeIfAbsent(rs.getString(1), k -> new java.util.TreeMap<>())
                            .put(rs.getString(2), new LastError(rs.getString(3), instant(rs, 4)));
                }
            }
        }
        return errors;
    }

    /** Wakes the workers of this destination on every instance (they re-read their state when woken). */
    public void notifyDestination(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(NOTIFY)) {
            ps.setString(1, name);
            ps.execute();
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        var ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }
}
