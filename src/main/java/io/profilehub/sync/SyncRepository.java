package io.profilehub.sync;

import io.profilehub.outbox.DeliveryRepository;
import io.profilehub.outbox.ChangeLogWriter;
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

    /*
     * Per destination, this workspace's changes not yet settled: past the destination's cursor (in flight while a
     * live lease holds the lane), or held by a parked profile; its dead letters; and its deliveries of the last
     * hour, counted per minute as they settle (delivery_minutes).
     */
    private static final String COUNTS = """
            with waiting as (
                select c.destination, l.created_at, c.lease_until >= now() as leased
                  from delivery_cursors c
                  join change_log l on l.lane = c.lane and l.seq > c.position
                 where l.workspace_id = ? and (l.destination is null or l.destination = c.destination)
                union all
                select p.destination, l.created_at, false
                  from delivery_parked p
                  join delivery_cursors c on c.destination = p.destination and c.lane = p.lane
                  join change_log l on l.workspace_id = p.workspace_id and l.profile_id = p.profile_id
                                   and l.seq >= p.from_seq and l.seq <= c.position
                                   and (l.destination is null or l.destination = p.destination)
                 where p.workspace_id = ?
            ), counted as (
                select destination, count(*) filter (where leased is not true) as pending,
                       count(*) filter (where leased) as in_flight, min(created_at) as oldest, 0::bigint as dead,
                       0::bigint as delivered
                  from waiting group by destination
                union all
                select destination, 0, 0, null, count(*), 0 from dead_letters
                 where workspace_id = ? and discarded_at is null group by destination
                union all
                select destination, 0, 0, null, 0, sum(delivered)::bigint from delivery_minutes
                 where workspace_id = ? and minute > now() - interval '1 hour' group by destination
            )
            select destination, sum(pending)::bigint, sum(in_flight)::bigint, sum(dead)::bigint,
                   sum(delivered)::bigint, min(oldest)
              from counted group by destination
            """;

    private static final String DEAD_COLUMNS = """
            id, destination, profile_id, kind, 'dead', attempts, last_status, last_error, created_at, dead_at,
            null::timestamptz, event::text""";

    private static final String DEAD_LETTERS = "select " + DEAD_COLUMNS + """
              from dead_letters
             where workspace_id = ? and discarded_at is null
               and (?::text is null or destination = ?::text)
               and (?::int is null or last_status = ?::int)
               and (?::timestamptz is null or dead_at >= ?::timestamptz)
               and (?::timestamptz is null or dead_at < ?::timestamptz)
               and id > ?
             order by id
             limit ?
            """;

    /*
     * A dead upsert carries a change that later ones may already have overtaken, so a retry sends the profile's
     * current state instead (and is dropped when the profile is gone). An erasure goes again as it was.
     */
    private static final String CHOOSE_DEAD = """
            select d.id, d.destination, d.profile_id, d.kind, d.event::text, d.version, p.id is not null, p.version,
                   profile_upsert_event(p.workspace_id, p.id, p.version, false, true, p.updated_at,
                                        p.identifiers, p.traits)::text
              from dead_letters d
              left join profiles p on p.workspace_id = d.workspace_id and p.id = d.profile_id
             where d.workspace_id = ? and d.discarded_at is null
               and (?::bigint is null or d.id = ?::bigint)
               and (?::text is null or d.destination = ?::text)
               and (?::int is null or d.last_status = ?::int)
               and (?::timestamptz is null or d.dead_at >= ?::timestamptz)
               and (?::timestamptz is null or d.dead_at < ?::timestamptz)
             order by d.id
               for update of d
            """;

    private static final String DROP_DEAD = "delete from dead_letters where workspace_id = ? and id = any(?::bigint[])";

    private static final String REOPEN_ERASURES = """
            with reopened as (
                update erasure_destinations d set status = 'pending', updated_at = now()
                  from unnest(?::text[], ?::text[]) as u(user_id, destination)
                 where d.workspace_id = ? and d.user_id = u.user_id and d.destination = u.destination
                returning d.user_id
            )
            update erasures e set status = 'in_progress', completed_at = null
             where e.workspace_id = ? and e.user_id in (select user_id from reopened)
            """;

    /*
     * Discarding keeps the row (without the event) so that the changes it carried read as dropped, not as
     * delivered; GET /identify/{id}/sync then shows what remains of the profile for that destination.
     */
    private static final String DELETE_DEAD = """
            update dead_letters set discarded_at = now(), event = '{"discarded": true}'::jsonb, last_error = null
             where workspace_id = ? and id = ? and discarded_at is null
            """;

    /* The latest change of the profile for each destination, as delivery_status sees it. */
    private static final String PROFILE_SYNC = """
            select distinct on (s.destination)
                   s.id, s.destination, s.profile_id, s.kind, s.status,
                   case s.status when 'delivered' then s.failed_attempts + 1
                                 when 'dead' then d.attempts else s.failed_attempts end,
                   coalesce(d.last_status, p.last_status), coalesce(d.last_error, p.last_error), s.created_at,
                   d.dead_at, p.available_at, s.change::text
              from delivery_status s
              left join delivery_parked p
                on p.destination = s.destination and p.workspace_id = s.workspace_id and p.profile_id = s.profile_id
               and s.status = 'pending'
              left join lateral (select * from dead_letters x
                                  where x.workspace_id = s.workspace_id and x.destination = s.destination
                                    and x.profile_id = s.profile_id and s.status = 'dead'
                                  order by x.id desc limit 1) d on true
             where s.workspace_id = ? and s.profile_id = ? and s.status <> 'discarded' and s.destination = any(?::text[])
             order by s.destination, s.seq desc
            """;

    private static final String BACKFILL_PAGE = """
            select id, version,
                   profile_upsert_event(workspace_id, id, version, false, true, updated_at, identifiers, traits)::text
              from profiles where workspace_id = ? and id > ? order by id limit ?
            """;

    public Map<String, DestinationCounts> counts(Connection c, String workspaceId) throws SQLException {
        Map<String, DestinationCounts> counts = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COUNTS)) {
            for (int i = 1; i <= 4; i++) {
                ps.setString(i, workspaceId);
            }
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

    /** A dead letter chosen for a retry: the change to append, or none when its profile is gone. */
    public record Retried(long id, String destination, String profileId, String kind,
                          ChangeLogWriter.Change change) {
    }

    /**
     * Takes the dead letters the filter selects out of the dead-letter list and answers the changes that send them
     * again (the caller appends them, last in its transaction); an upsert of a profile that is gone has none.
     */
    public List<Retried> retryDead(Connection c, String workspaceId, Long id, DeadLetterFilter filter)
            throws SQLException {
        List<Retried> chosen = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(CHOOSE_DEAD)) {
            int i = 1;
            ps.setString(i++, workspaceId);
            ps.setObject(i++, id, Types.BIGINT);
            ps.setObject(i++, id, Types.BIGINT);
            bindFilter(ps, i, filter);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String destination = rs.getString(2);
                    String profileId = rs.getString(3);
                    String kind = rs.getString(4);
                    ChangeLogWriter.Change change = null;
                    if (!"upsert".equals(kind)) {
                        long version = rs.getLong(6);
                        change = new ChangeLogWriter.Change(workspaceId, profileId, rs.wasNull() ? null : version,
                                kind, rs.getString(5), destination, ChangeLogWriter.Cause.RETRY,
                                ChangeLogWriter.Source.SERVICE);
                    } else if (rs.getBoolean(7)) {
                        change = new ChangeLogWriter.Change(workspaceId, profileId, rs.getLong(8), kind,
                                rs.getString(9), destination, ChangeLogWriter.Cause.RETRY, ChangeLogWriter.Source.SERVICE);
                    }
                    chosen.add(new Retried(rs.getLong(1), destination, profileId, kind, change));
                }
            }
        }
        if (chosen.isEmpty()) {
            return chosen;
        }
        try (PreparedStatement ps = c.prepareStatement(DROP_DEAD)) {
            ps.setString(1, workspaceId);
            ps.setArray(2, c.createArrayOf("bigint", chosen.stream().map(Retried::id).toArray()));
            ps.executeUpdate();
        }
        List<Retried> erasures = chosen.stream().filter(r -> !"upsert".equals(r.kind())).toList();
        if (!erasures.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(REOPEN_ERASURES)) {
                ps.setArray(1, c.createArrayOf("text", erasures.stream().map(Retried::profileId).toArray()));
                ps.setArray(2, c.createArrayOf("text", erasures.stream().map(Retried::destination).toArray()));
                ps.setString(3, workspaceId);
                ps.setString(4, workspaceId);
                ps.executeUpdate();
            }
        }
        return chosen;
    }

    public boolean deleteDead(Connection c, String workspaceId, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_DEAD)) {
            ps.setString(1, workspaceId);
            ps.setLong(2, id);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * The latest change per destination among {@code destinations} (those configured for the workspace: a destination
     * taken out of the configuration keeps its cursors, and would show every later change as waiting).
     */
    public List<EventView> profileSync(Connection c, String workspaceId, String profileId, List<String> destinations)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PROFILE_SYNC)) {
            ps.setString(1, workspaceId);
            ps.setString(2, profileId);
            ps.setArray(3, c.createArrayOf("text", destinations.toArray()));
            return readEvents(ps);
        }
    }

    public record BackfillPage(List<ChangeLogWriter.Change> changes, String lastProfileId) {
        public long enqueued() {
            return changes.size();
        }
    }

    /** The next page of the workspace's profiles, each as a change carrying its whole state for one destination. */
    public BackfillPage backfillPage(Connection c, String workspaceId, String destination, String afterProfileId,
                                     int pageSize) throws SQLException {
        List<ChangeLogWriter.Change> changes = new ArrayList<>();
        String last = null;
        try (PreparedStatement ps = c.prepareStatement(BACKFILL_PAGE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, afterProfileId);
            ps.setInt(3, pageSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    last = rs.getString(1);
                    changes.add(new ChangeLogWriter.Change(workspaceId, last, rs.getLong(2), "upsert",
                            rs.getString(3), destination, ChangeLogWriter.Cause.BACKFILL,
                            ChangeLogWriter.Source.SERVICE));
                }
            }
        }
        return new BackfillPage(changes, last);
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
                        DeliveryRepository.object(rs.getString(12))));
            }
        }
        return events;
    }

    private static OffsetDateTime offset(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
