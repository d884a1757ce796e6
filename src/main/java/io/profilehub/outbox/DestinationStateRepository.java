package io.profilehub.outbox;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Paused flags and last errors of destinations, shared by every instance through the database. */
@Singleton
public class DestinationStateRepository {
    public record State(boolean paused, String pausedReason, Instant pausedAt, String lastError, Instant lastErrorAt) {
        static final State NONE = new State(false, null, null, null, null);
    }

    private static final String READ_ALL = """
            select name, paused, paused_reason, paused_at, last_error, last_error_at from destination_state
            """;
    private static final String SET_PAUSED = """
            insert into destination_state (name, paused, paused_reason, paused_at) values (?, ?, ?, case when ? then now() end)
            on conflict (name) do update
               set paused = excluded.paused, paused_reason = excluded.paused_reason, paused_at = excluded.paused_at
            """;
    private static final String SET_ERROR = """
            insert into destination_state (name, last_error, last_error_at) values (?, ?, now())
            on conflict (name) do update set last_error = excluded.last_error, last_error_at = excluded.last_error_at
            """;
    private static final String NOTIFY = "select pg_notify('profilehub_outbox', ?)";

    public Map<String, State> readAll(Connection c) throws SQLException {
        Map<String, State> states = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(READ_ALL); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                states.put(rs.getString(1), new State(rs.getBoolean(2), rs.getString(3), instant(rs, 4),
                        rs.getString(5), instant(rs, 6)));
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

    public void setLastError(Connection c, String name, String error) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_ERROR)) {
            ps.setString(1, name);
            ps.setString(2, error);
            ps.executeUpdate();
        }
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
