package io.profilehub.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The SQL behind the operator endpoints: destination status, dead letters, per-profile sync state, backfill. */
@Singleton
public class SyncRepository {
    public record DestinationCounts(long pending, long inFlight, long dead, long deliveredLastHour,
                                    Instant oldestPending) {
        static final DestinationCounts EMPTY = new DestinationCounts(0, 0, 0, 0, null);
    }

    public record EventView(long id, String destination, String profileId, String kind, String status, int attempts,
                            Integer lastStatus, String lastError, Instant createdAt, Instant finishedAt,
                            Instant availableAt, ObjectNode event) {
    }

    public record DeadLetterFilter(String destination, Integer status, Instant since, Instant until) {
    }

    private static final String COUNTS = """
            select destination,
                   count(*) filter (where status = 'pending'),
                   count(*) filter (where status = 'in_flight'),
                   count(*) filter (where status = 'dead'),
                   count(*) filter (where status = 'delivered' and finished_at > now() - interval '1 hour'),
                   min(created_at) filter (where status in ('pending', 'in_flight'))
              from outbox_events
             where workspace_id = ? and (status in ('pending', 'in_flight', 'dead')
                   or (status = 'delivered' and finished_at > now() - interval '1 hour'))
             group by destination
            """;

    private static final String EVENT_COLUMNS = """
            id, destination, profile_id, kind, status, attempts, last_status, last_error, created_at, finished_at,
            available_at, payload::text""";

    private static final String DEAD_LETTERS = "select " + EVENT_COLUMNS + """
              from outbox_events
             where workspace_id = ? and status = 'dead'
               and (?::text is null or destination = ?::text)
               and (?::int is null or last_status = ?::int)
               and (?::timestamptz is null or finished_at >= ?::timestamptz)
               and (?::timestamptz is null or finished_at < ?::timestamptz)
               and id > ?
             order by id
             limit ?
            """;

    private static final String FIND_EVENT = "select " + EVENT_COLUMNS
            + " from outbox_events where workspace_id = ? and id = ?";

    /*
     * A dead upsert carries a change that later events may already have overtaken, so a retry sends the profile's
     * current state instead (and is cancelled when the profile is gone). Other events go again as they were.
     */
    private static final String RETRY_DEAD = """
            with chosen as (
                select e.workspace_id, e.id, e.kind, p.id as live_profile,
                       profile_upsert_event(p.workspace_id, p.id, p.version, false, true, p.updated_at,
                                            p.identifiers, p.traits) as current_state
                  from outbox_events e
                  left join profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
                 where e.workspace_id = ? and e.status = 'dead'
                   and (?::bigint is null or e.id = ?::bigint)
                   and (?::text is null or e.destination = ?::text)
                   and (?::int is null or e.last_status = ?::int)
                   and (?::timestamptz is null or e.finished_at >= ?::timestamptz)
                   and (?::timestamptz is null or e.finished_at < ?::timestamptz)
                   for update of e
            )
            update outbox_events o
               set status = case when c.kind = 'upsert' and c.live_profile is null then 'cancelled' else 'pending' end,
                   finished_at = case when c.kind = 'upsert' and c.live_profile is null then now() end,
                   last_error = case when c.kind = 'upsert' and c.live_profile is null
                                     then 'not retried: the profile no longer exists' else o.last_error end,
                   payload = case when c.kind = 'upsert' and c.live_profile is not null then c.current_state
                                  else o.payload end,
                   attempts = 0, available_at = now()
              from chosen c
             where o.workspace_id = c.workspace_id and o.id = c.id
            returning o.destination, o.status
            """;

    private static final String DELETE_DEAD = "delete from outbox_events where workspace_id = ? and id = ? and status = 'dead'";

    private static final String PROFILE_SYNC = """
            select distinct on (destination) """ + EVENT_COLUMNS + """
              from outbox_events
             where workspace_id = ? and profile_id = ?
             order by destination, id desc
            """;

    private static final String BACKFILL_PAGE = """
            with page as (
                select workspace_id, id, identifiers, traits, version, updated_at
                  from profiles where workspace_id = ? and id > ? order by id limit ?
            ), queued as (
                insert into outbox_events (workspace_id, destination, profile_id, kind, profile_version, payload)
                select p.workspace_id, ?, p.id, 'upsert', p.version,
                       profile_upsert_event(p.workspace_id, p.id, p.version, false, true, p.updated_at,
                                            p.identifiers, p.traits)
                  from page p
                 order by p.id
            )
            select count(*), max(id) from page
            """;

    public Map<String, DestinationCounts> counts(Connection c, String workspaceId) throws SQLException {
        Map<String, DestinationCounts> counts = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COUNTS)) {
            ps.setString(1, workspaceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp oldest = rs.getTimestamp(6);
                    counts.put(rs.getString(1), new DestinationCounts(rs.getLong(2), rs.getLong(3), rs.getLong(4),
                            rs.getLong(5), oldest == null ? null : oldest.toInstant()));
                }
            }
        }
        return counts;
    }

    public List<EventView> deadLetters(Connection c, String workspaceId, DeadLetterFilter filter, long afterId,
                                       int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DEAD_LETTERS)) {
            int i = 1;
            ps.setString(i++, workspaceId);
            i = bindFilter(ps, i, filter);
            ps.setLong(i++, afterId);
            ps.setInt(i, limit);
            return readEvents(ps);
        }
    }

    public EventView find(Connection c, String workspaceId, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_EVENT)) {
            ps.setString(1, workspaceId);
            ps.setLong(2, id);
            List<EventView> events = readEvents(ps);
            return events.isEmpty() ? null : events.get(0);
        }
    }

    /** Returns (destination, new status) for every dead letter put back in the queue or cancelled. */
    public List<String[]> retryDead(Connection c, String workspaceId, Long id, DeadLetterFilter filter)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RETRY_DEAD)) {
            int i = 1;
            ps.setString(i++, workspaceId);
            ps.setObject(i++, id, Types.BIGINT);
            ps.setObject(i++, id, Types.BIGINT);
            bindFilter(ps, i, filter);
            List<String[]> retried = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    retried.add(new String[]{rs.getString(1), rs.getString(2)});
                }
            }
            return retried;
        }
    }

    public boolean deleteDead(Connection c, String workspaceId, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_DEAD)) {
            ps.setString(1, workspaceId);
            ps.setLong(2, id);
            return ps.executeUpdate() > 0;
        }
    }

    public List<EventView> profileSync(Connection c, String workspaceId, String profileId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PROFILE_SYNC)) {
            ps.setString(1, workspaceId);
            ps.setString(2, profileId);
            return readEvents(ps);
        }
    }

    public record BackfillPage(long enqueued, String lastProfileId) {
    }

    public BackfillPage backfillPage(Connection c, String workspaceId, String destination, String afterProfileId,
                                     int pageSize) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(BACKFILL_PAGE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, afterProfileId);
            ps.setInt(3, pageSize);
            ps.setString(4, destination);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new BackfillPage(rs.getLong(1), rs.getString(2));
            }
        }
    }

    private static int bindFilter(PreparedStatement ps, int i, DeadLetterFilter f) throws SQLException {
        ps.setString(i++, f.destination());
        ps.setString(i++, f.destination());
        ps.setObject(i++, f.status(), Types.INTEGER);
        ps.setObject(i++, f.status(), Types.INTEGER);
        ps.setObject(i++, offset(f.since()), Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setObject(i++, offset(f.since()), Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setObject(i++, offset(f.until()), Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setObject(i++, offset(f.until()), Types.TIMESTAMP_WITH_TIMEZONE);
        return i;
    }

    private static List<EventView> readEvents(PreparedStatement ps) throws SQLException {
        List<EventView> events = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                events.add(new EventView(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getInt(6), (Integer) rs.getObject(7), rs.getString(8),
                        instant(rs.getTimestamp(9)), instant(rs.getTimestamp(10)), instant(rs.getTimestamp(11)),
                        OutboxRepository.object(rs.getString(12))));
            }
        }
        return events;
    }

    private static OffsetDateTime offset(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    public record BackfillJob(String id, String destination, String status, long enqueued, String error,
                              Instant startedAt, Instant finishedAt) {
    }

    private static final String INSERT_JOB = "insert into backfill_jobs (workspace_id, id, destination) values (?, ?, ?)";
    private static final String UPDATE_JOB = """
            update backfill_jobs set status = ?, enqueued = ?, last_profile_id = ?, error = ?,
                   finished_at = case when ? <> 'running' then now() end
             where workspace_id = ? and id = ?
            """;
    private static final String FIND_JOB = """
            select id, destination, status, enqueued, error, started_at, finished_at from backfill_jobs
             where workspace_id = ? and id = ?
            """;

    public void insertJob(Connection c, String workspaceId, String id, String destination) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_JOB)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            ps.setString(3, destination);
            ps.executeUpdate();
        }
    }

    public void updateJob(Connection c, String workspaceId, String id, String status, long enqueued,
                          String lastProfileId, String error) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPDATE_JOB)) {
            ps.setString(1, status);
            ps.setLong(2, enqueued);
            ps.setString(3, lastProfileId);
            ps.setString(4, error);
            ps.setString(5, status);
            ps.setString(6, workspaceId);
            ps.setString(7, id);
            ps.executeUpdate();
        }
    }

    public BackfillJob findJob(Connection c, String workspaceId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_JOB)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new BackfillJob(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getString(5), instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7))) : null;
            }
        }
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
