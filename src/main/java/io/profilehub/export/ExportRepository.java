package io.profilehub.export;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What the export reads beside the profile and its history: merges and what each destination was sent. */
@Singleton
class ExportRepository {

    record Merge(String id, String survivorId, String absorbedId, String status, Instant createdAt,
                 Instant undoneAt) {
    }

    record Sent(String destination, Long version, String kind, String status, int failedAttempts, Instant queuedAt,
                Instant deadAt) {
    }

    record Failure(String destination, Long firstVersion, Long lastVersion, Integer httpStatus, Instant failedAt) {
    }

    /* merges_survivor and merges_absorbed. Only ids and times: the kept pre-merge states are not read. */
    private static final String MERGES = """
            select id, survivor_id, absorbed_id, status, created_at, undone_at
              from merges
             where workspace_id = ? and (survivor_id = ? or absorbed_id = ?)
             order by created_at, id
            """;

    /*
     * delivery_status (db/V18) expands the profile's changes per destination that serves the workspace; the
     * change document and the vendors' answers (dead_letters.last_error) are left out.
     */
    private static final String SENT = """
            select s.destination, s.profile_version, s.kind, s.status, s.failed_attempts, s.created_at,
                   (select max(d.dead_at) from dead_letters d
                     where d.workspace_id = s.workspace_id and d.destination = s.destination
                       and d.profile_id = s.profile_id and s.profile_version between d.first_version and d.version)
              from delivery_status s
             where s.workspace_id = ? and s.profile_id = ?
             order by s.destination, s.seq
            """;

    private static final String FAILURES_AT = """
            select destination, first_version, last_version, http_status, failed_at
              from delivery_failures
             where workspace_id = ? and profile_id = ? and (?::text is null or destination = ?::text)
             order by destination, failed_at
            """;

    List<Merge> merges(Connection c, String workspaceId, String profileId) throws SQLException {
        List<Merge> merges = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(MERGES)) {
            ps.setString(1, workspaceId);
            ps.setString(2, profileId);
            ps.setString(3, profileId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    merges.add(new Merge(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6))));
                }
            }
        }
        return merges;
    }

    /** A row handler that may fail writing it out. */
    @FunctionalInterface
    interface RowSink<T> {
        void accept(T row) throws java.io.IOException;
    }

    /** The profile's changes per destination, in destination then log order, handed over one by one as read. */
    void sent(Connection c, String workspaceId, String profileId, RowSink<Sent> into)
            throws SQLException, java.io.IOException {
        try (PreparedStatement ps = c.prepareStatement(SENT)) {
            ps.setString(1, workspaceId);
            ps.setString(2, profileId);
            ps.setFetchSize(500);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long version = rs.getLong(2);
                    Long v = rs.wasNull() ? null : version;
                    into.accept(new Sent(rs.getString(1), v, rs.getString(3), rs.getString(4), rs.getInt(5),
                            instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7))));
                }
            }
        }
    }

    /** Failed attempts at one destination (null: every destination), in time order, handed over as read. */
    void failures(Connection c, String workspaceId, String profileId, String destination, RowSink<Failure> into)
            throws SQLException, java.io.IOException {
        try (PreparedStatement ps = c.prepareStatement(FAILURES_AT)) {
            ps.setString(1, workspaceId);
            ps.setString(2, profileId);
            ps.setString(3, destination);
            ps.setString(4, destination);
            ps.setFetchSize(500);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    into.accept(failure(rs));
                }
            }
        }
    }

    private static Failure failure(ResultSet rs) throws SQLException {
        long first = rs.getLong(2);
        Long f = rs.wasNull() ? null : first;
        long last = rs.getLong(3);
        Long l = rs.wasNull() ? null : last;
        int status = rs.getInt(4);
        Integer s = rs.wasNull() ? null : status;
        return new Failure(rs.getString(1), f, l, s, instant(rs.getTimestamp(5)));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
