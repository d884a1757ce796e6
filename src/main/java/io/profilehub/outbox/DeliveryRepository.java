package io.profilehub.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.ChangeOrigin;
import io.profilehub.http.JsonInput;
import jakarta.inject.Singleton;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The SQL of delivering the change log to one destination: lanes leased by cursor, changes read by lane number,
 * parked profiles, failed attempts, dead letters, and what a settled round writes.
 */
@Singleton
public class DeliveryRepository {

    /** A lane this worker holds: changes after {@code position} up to {@code head} were committed when it leased. */
    public record Lease(int lane, long position, long head) {
    }

    /** A profile parked for this destination. */
    public record Parked(String workspaceId, String profileId, int lane, long fromSeq, int attempts, boolean due) {
        String key() {
            return workspaceId + "/" + profileId;
        }
    }

    /** A parked profile's changes to fetch: from its first waiting change up to what the round read of its lane. */
    public record ParkedRange(Parked parked, long upto) {
    }

    /*
     * Lanes with work for this destination (changes past its position, or a parked profile due), least recently
     * served first so no lane starves, that no live lease holds. SKIP LOCKED: workers of every instance lease side
     * by side without waiting on each other. head is read after the lease, by a statement that sees every change
     * committed before it; all numbers up to it are committed (db/V18), so the round may read (position, head].
     */
    static final String LEASE = """
            with candidates as (
                select c.destination, c.lane
                  from delivery_cursors c
                  join change_lanes l on l.lane = c.lane
                 where c.destination = ?
                   and (c.lease_until is null or c.lease_until < now())
                   and (l.last_seq > c.position
                        or exists (select 1 from delivery_parked p
                                    where p.destination = c.destination and p.lane = c.lane
                                      and p.available_at <= now()))
                 order by c.advanced_at
                 limit ?
                   for update of c skip locked
            )
            update delivery_cursors c
               set lease_owner = ?, lease_until = now() + ? * interval '1 millisecond'
              from candidates x
             where c.destination = x.destination and c.lane = x.lane
            returning c.lane, c.position
            """;

    private static final String HEADS = "select lane, last_seq from change_lanes where lane = any(?::int[])";

    private static final String CHANGE_COLUMNS = """
            l.workspace_id, l.id, l.profile_id, l.kind, l.change::text, l.created_at, l.lane, l.seq, l.version,
            l.destination, l.cause, l.source_key_id, l.source_label""";

    /*
     * Per lane, the first `limit` changes for this destination within (position, position + span]: the changes of
     * other workspaces and other destinations are passed over inside PostgreSQL, so a destination serving one
     * workspace among many skips the others' changes a span at a time without holding them. LATERAL: one ordered
     * range scan of change_log_lane per lane and partition, whatever the statistics say. The served workspaces are
     * bound once, as s.served (null: every workspace); PostgreSQL pulls the FROM-less subquery up into the query.
     */
    static final String READ = "select " + CHANGE_COLUMNS + """
              from unnest(?::int[], ?::bigint[], ?::bigint[]) as x(lane, after_seq, upto)
             cross join (select ?::text as destination, ?::text[] as served) s
             cross join lateral (select * from change_log c
                                  where c.lane = x.lane and c.seq > x.after_seq and c.seq <= x.upto
                                    and (c.destination is null or c.destination = s.destination)
                                    and (s.served is null or c.workspace_id = any(s.served))
                                  order by c.seq
                                  limit ?) l
             order by l.lane, l.seq
            """;

    static final String PARKED_DUE = """
            select workspace_id, profile_id, lane, from_seq, attempts, true
              from delivery_parked
             where destination = ? and lane = any(?::int[]) and available_at <= now()
             order by available_at
             limit ?
            """;

    /*
     * One primary-key lookup per profile the round read (LATERAL, OFFSET 0 against flattening): as a join, a generic
     * plan made without statistics read every parked row of the destination, which an outage makes many.
     */
    static final String PARKED_AMONG = """
            select p.workspace_id, p.profile_id, p.lane, p.from_seq, p.attempts, false
              from unnest(?::text[], ?::text[]) as w(workspace_id, profile_id)
             cross join lateral (select * from delivery_parked p
                                  where p.destination = ? and p.workspace_id = w.workspace_id
                                    and p.profile_id = w.profile_id
                                 offset 0) p
            """;

    static final String PARKED_CHANGES = "select " + CHANGE_COLUMNS + """
              from unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[]) as p(workspace_id, profile_id, from_seq, upto)
             cross join lateral (select * from change_log c
                                  where c.workspace_id = p.workspace_id and c.profile_id = p.profile_id
                                    and c.seq >= p.from_seq and c.seq <= p.upto
                                  order by c.seq
                                  limit ?) l
             order by l.lane, l.seq
            """;

    /* Only lanes this worker still holds move; a lane whose lease ended and moved on is the new holder's. */
    static final String ADVANCE = """
            update delivery_cursors c
               set position = greatest(c.position, u.position), lease_owner = null, lease_until = null,
                   advanced_at = now()
              from unnest(?::int[], ?::bigint[]) as u(lane, position)
             where c.destination = ? and c.lane = u.lane and c.lease_owner = ?
            returning c.lane
            """;

    private static final String RELEASE_OWNER = """
            update delivery_cursors set lease_owner = null, lease_until = null where lease_owner = ?
            """;

    private static final String PARK = """
            insert into delivery_parked as p
                   (destination, workspace_id, profile_id, lane, from_seq, attempts, available_at, last_status,
                    last_error)
            select ?, u.workspace_id, u.profile_id, u.lane, u.from_seq, u.attempts, u.available_at, u.last_status,
                   u.last_error
              from unnest(?::text[], ?::text[], ?::int[], ?::bigint[], ?::int[], ?::timestamptz[], ?::int[], ?::text[])
                   as u(workspace_id, profile_id, lane, from_seq, attempts, available_at, last_status, last_error)
            on conflict (destination, workspace_id, profile_id) do update
               set lane = excluded.lane, from_seq = excluded.from_seq, attempts = excluded.attempts,
                   available_at = excluded.available_at,
                   last_status = coalesce(excluded.last_status, p.last_status),
                   last_error = coalesce(excluded.last_error, p.last_error)
            """;

    private static final String UNPARK = """
            delete from delivery_parked p
             using unnest(?::text[], ?::text[]) as u(workspace_id, profile_id)
             where p.destination = ? and p.workspace_id = u.workspace_id and p.profile_id = u.profile_id
            """;

    private static final String FAIL = """
            insert into delivery_failures (destination, workspace_id, profile_id, first_version, last_version,
                                           http_status, error)
            select ?, u.* from unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::int[], ?::text[])
                   as u(workspace_id, profile_id, first_version, last_version, http_status, error)
            """;

    private static final String DEAD = """
            insert into dead_letters (workspace_id, destination, profile_id, kind, first_version, version, event,
                                      attempts, last_status, last_error, created_at)
            select u.workspace_id, ?, u.profile_id, u.kind, u.first_version, u.version, u.event::jsonb, u.attempts,
                   u.last_status, u.last_error, u.created_at
              from unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::int[], ?::int[],
                          ?::text[], ?::timestamptz[])
                   as u(workspace_id, profile_id, kind, first_version, version, event, attempts, last_status,
                        last_error, created_at)
            """;

    /*
     * Erasure progress follows its events. Events of one erasure settle in parallel transactions (one per
     * destination): the erasure's row lock first, so each sees the others' committed progress when it decides
     * whether the erasure is complete; locked in key order, so two rounds never wait on each other in a cycle.
     */
    private static final String LOCK_ERASURES = """
            select 1 from erasures e
              join unnest(?::text[], ?::text[]) as u(workspace_id, user_id)
                on e.workspace_id = u.workspace_id and e.user_id = u.user_id
             order by e.workspace_id, e.user_id
               for update of e
            """;

    private static final String ERASURE_PROGRESS = """
            update erasure_destinations d
               set status = u.status, detail = u.detail, last_status = u.last_status, event_id = u.event_id,
                   updated_at = now()
              from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::bigint[])
                   as u(workspace_id, user_id, status, detail, last_status, event_id)
             where d.workspace_id = u.workspace_id and d.user_id = u.user_id and d.destination = ?
            """;

    private static final String ERASURE_STATUS = """
            update erasures e
               set status = case when p.open then 'in_progress' else 'completed' end,
                   completed_at = case when p.open then null else now() end
              from (select u.workspace_id, u.user_id,
                           exists (select 1 from erasure_destinations d
                                    where d.workspace_id = u.workspace_id and d.user_id = u.user_id
                                      and d.status = 'pending') as open
                      from unnest(?::text[], ?::text[]) as u(workspace_id, user_id)) p
             where e.workspace_id = p.workspace_id and e.user_id = p.user_id
            """;

    /* A settled erasure keeps no locator in the log (the dead letter of one that failed holds its own copy). */
    private static final String UNSEAL = """
            update change_log l set change = l.change - 'sealed'
              from unnest(?::int[], ?::bigint[]) as u(lane, seq)
             where l.lane = u.lane and l.seq = u.seq and l.change ?? 'sealed'
            """;

    private static final String BACKLOG = """
            select c.destination, sum(greatest(0, l.last_seq - c.position)),
                   extract(epoch from now() - min((select min(x.created_at) from change_log x
                                                    where x.lane = c.lane and x.seq = c.position + 1)))
              from delivery_cursors c join change_lanes l on l.lane = c.lane
             group by c.destination
            """;

    private static final String REGISTER_STATE = """
            insert into destination_state (name, workspaces) values (?, ?::text[])
            on conflict (name) do update set workspaces = excluded.workspaces
            """;

    /* A new destination starts at the head: what was written before it existed is a backfill's to send. */
    private static final String REGISTER_CURSORS = """
            insert into delivery_cursors (destination, lane, position, since_seq)
            select ?, lane, last_seq, last_seq from change_lanes
            on conflict (destination, lane) do nothing
            """;

    private static final String NEXT_DUE = """
            select extract(epoch from min(available_at) - now()) from delivery_parked where destination = ?
            """;

    /** Marks the destination as served by this configuration and gives it cursors on every lane. */
    public void register(Connection c, String destination, List<String> workspaces) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REGISTER_STATE)) {
            ps.setString(1, destination);
            ps.setArray(2, workspaces.isEmpty() ? null : c.createArrayOf("text", workspaces.toArray()));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(REGISTER_CURSORS)) {
            ps.setString(1, destination);
            ps.executeUpdate();
        }
    }

    public List<Lease> lease(Connection c, String destination, int lanes, Duration lease, String owner)
            throws SQLException {
        Map<Integer, Long> positions = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(LEASE)) {
            ps.setString(1, destination);
            ps.setInt(2, lanes);
            ps.setString(3, owner);
            ps.setLong(4, lease.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    positions.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        List<Lease> leases = new ArrayList<>();
        if (positions.isEmpty()) {
            return leases;
        }
        try (PreparedStatement ps = c.prepareStatement(HEADS)) {
            ps.setArray(1, c.createArrayOf("integer", positions.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leases.add(new Lease(rs.getInt(1), positions.get(rs.getInt(1)), rs.getLong(2)));
                }
            }
        }
        return leases;
    }

    /**
     * The first {@code limit} changes for this destination of each lane in (position, upto], in lane order;
     * {@code workspaces} empty: every workspace.
     */
    public List<LoggedChange> read(Connection c, List<Lease> leases, Function<Lease, Long> upto, String destination,
                                   List<String> workspaces, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(READ)) {
            ps.setArray(1, c.createArrayOf("integer", leases.stream().map(Lease::lane).toArray()));
            ps.setArray(2, c.createArrayOf("bigint", leases.stream().map(Lease::position).toArray()));
            ps.setArray(3, c.createArrayOf("bigint", leases.stream().map(upto).toArray()));
            ps.setString(4, destination);
            ps.setArray(5, workspaces.isEmpty() ? null : c.createArrayOf("text", workspaces.toArray()));
            ps.setInt(6, limit);
            return changes(ps);
        }
    }

    public List<Parked> parkedDue(Connection c, String destination, Collection<Integer> lanes, int limit)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PARKED_DUE)) {
            ps.setString(1, destination);
            ps.setArray(2, c.createArrayOf("integer", lanes.toArray()));
            ps.setInt(3, limit);
            return parked(ps);
        }
    }

    public List<Parked> parkedAmong(Connection c, String destination, List<String> workspaceIds,
                                    List<String> profileIds) throws SQLException {
        if (profileIds.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement ps = c.prepareStatement(PARKED_AMONG)) {
            ps.setArray(1, c.createArrayOf("text", workspaceIds.toArray()));
            ps.setArray(2, c.createArrayOf("text", profileIds.toArray()));
            ps.setString(3, destination);
            return parked(ps);
        }
    }

    /** At most {@code limit} changes per parked profile, from its first waiting one up to the range's end. */
    public List<LoggedChange> parkedChanges(Connection c, List<ParkedRange> ranges, int limit) throws SQLException {
        if (ranges.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement ps = c.prepareStatement(PARKED_CHANGES)) {
            ps.setArray(1, c.createArrayOf("text", ranges.stream().map(r -> r.parked().workspaceId()).toArray()));
            ps.setArray(2, c.createArrayOf("text", ranges.stream().map(r -> r.parked().profileId()).toArray()));
            ps.setArray(3, c.createArrayOf("bigint", ranges.stream().map(r -> r.parked().fromSeq()).toArray()));
            ps.setArray(4, c.createArrayOf("bigint", ranges.stream().map(ParkedRange::upto).toArray()));
            ps.setInt(5, limit);
            return changes(ps);
        }
    }

    /** Moves the lanes this worker still holds to their new positions and ends its leases; answers those lanes. */
    public List<Integer> advance(Connection c, String destination, String owner, Map<Integer, Long> positions)
            throws SQLException {
        List<Integer> held = new ArrayList<>();
        if (positions.isEmpty()) {
            return held;
        }
        try (PreparedStatement ps = c.prepareStatement(ADVANCE)) {
            ps.setArray(1, c.createArrayOf("integer", positions.keySet().toArray()));
            ps.setArray(2, c.createArrayOf("bigint", positions.values().toArray()));
            ps.setString(3, destination);
            ps.setString(4, owner);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    held.add(rs.getInt(1));
                }
            }
        }
        return held;
    }

    /** A profile to park (or re-park): its changes from {@code fromSeq} wait until {@code availableAt}. */
    public record Park(String workspaceId, String profileId, int lane, long fromSeq, int attempts,
                       Instant availableAt, Integer lastStatus, String lastError) {
    }

    public void park(Connection c, String destination, List<Park> parks) throws SQLException {
        if (parks.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(PARK)) {
            ps.setString(1, destination);
            ps.setArray(2, c.createArrayOf("text", parks.stream().map(Park::workspaceId).toArray()));
            ps.setArray(3, c.createArrayOf("text", parks.stream().map(Park::profileId).toArray()));
            ps.setArray(4, c.createArrayOf("integer", parks.stream().map(Park::lane).toArray()));
            ps.setArray(5, c.createArrayOf("bigint", parks.stream().map(Park::fromSeq).toArray()));
            ps.setArray(6, c.createArrayOf("integer", parks.stream().map(Park::attempts).toArray()));
            ps.setArray(7, c.createArrayOf("timestamptz", parks.stream()
                    .map(p -> Timestamp.from(p.availableAt())).toArray()));
            ps.setArray(8, c.createArrayOf("integer", parks.stream().map(Park::lastStatus).toArray()));
            ps.setArray(9, c.createArrayOf("text", parks.stream().map(Park::lastError).toArray()));
            ps.executeUpdate();
        }
    }

    public void unpark(Connection c, String destination, List<String[]> profiles) throws SQLException {
        if (profiles.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(UNPARK)) {
            ps.setArray(1, c.createArrayOf("text", profiles.stream().map(p -> p[0]).toArray()));
            ps.setArray(2, c.createArrayOf("text", profiles.stream().map(p -> p[1]).toArray()));
            ps.setString(3, destination);
            ps.executeUpdate();
        }
    }

    /** One failed attempt with one profile's changes, versions {@code firstVersion} to {@code lastVersion}. */
    public record Failure(String workspaceId, String profileId, Long firstVersion, Long lastVersion,
                          Integer httpStatus, String error) {
    }

    public void fail(Connection c, String destination, List<Failure> failures) throws SQLException {
        if (failures.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(FAIL)) {
            ps.setString(1, destination);
            ps.setArray(2, c.createArrayOf("text", failures.stream().map(Failure::workspaceId).toArray()));
            ps.setArray(3, c.createArrayOf("text", failures.stream().map(Failure::profileId).toArray()));
            ps.setArray(4, c.createArrayOf("bigint", failures.stream().map(Failure::firstVersion).toArray()));
            ps.setArray(5, c.createArrayOf("bigint", failures.stream().map(Failure::lastVersion).toArray()));
            ps.setArray(6, c.createArrayOf("integer", failures.stream().map(Failure::httpStatus).toArray()));
            ps.setArray(7, c.createArrayOf("text", failures.stream().map(Failure::error).toArray()));
            ps.executeUpdate();
        }
    }

    /** A change (or composed run of changes) the destination will not take. */
    public record Dead(String workspaceId, String profileId, String kind, Long firstVersion, Long version,
                       String event, int attempts, Integer lastStatus, String lastError, Instant createdAt) {
    }

    public void dead(Connection c, String destination, List<Dead> dead) throws SQLException {
        if (dead.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(DEAD)) {
            ps.setString(1, destination);
            ps.setArray(2, c.createArrayOf("text", dead.stream().map(Dead::workspaceId).toArray()));
            ps.setArray(3, c.createArrayOf("text", dead.stream().map(Dead::profileId).toArray()));
            ps.setArray(4, c.createArrayOf("text", dead.stream().map(Dead::kind).toArray()));
            ps.setArray(5, c.createArrayOf("bigint", dead.stream().map(Dead::firstVersion).toArray()));
            ps.setArray(6, c.createArrayOf("bigint", dead.stream().map(Dead::version).toArray()));
            ps.setArray(7, c.createArrayOf("text", dead.stream().map(Dead::event).toArray()));
            ps.setArray(8, c.createArrayOf("integer", dead.stream().map(Dead::attempts).toArray()));
            ps.setArray(9, c.createArrayOf("integer", dead.stream().map(Dead::lastStatus).toArray()));
            ps.setArray(10, c.createArrayOf("text", dead.stream().map(Dead::lastError).toArray()));
            ps.setArray(11, c.createArrayOf("timestamptz", dead.stream()
                    .map(d -> Timestamp.from(d.createdAt())).toArray()));
            ps.executeUpdate();
        }
    }

    /** How an erasure event ended at this destination: erased, not_found, unsupported... or dead. */
    public record ErasureOutcome(String workspaceId, String userId, String status, String detail, Integer lastStatus,
                                 long eventId, int lane, long seq) {
    }

    public void erasureProgress(Connection c, String destination, List<ErasureOutcome> outcomes) throws SQLException {
        if (outcomes.isEmpty()) {
            return;
        }
        Array workspaces = c.createArrayOf("text", outcomes.stream().map(ErasureOutcome::workspaceId).toArray());
        Array users = c.createArrayOf("text", outcomes.stream().map(ErasureOutcome::userId).toArray());
        try (PreparedStatement ps = c.prepareStatement(LOCK_ERASURES)) {
            ps.setArray(1, workspaces);
            ps.setArray(2, users);
            ps.executeQuery().close();
        }
        try (PreparedStatement ps = c.prepareStatement(ERASURE_PROGRESS)) {
            ps.setArray(1, workspaces);
            ps.setArray(2, users);
            ps.setArray(3, c.createArrayOf("text", outcomes.stream().map(ErasureOutcome::status).toArray()));
            ps.setArray(4, c.createArrayOf("text", outcomes.stream().map(ErasureOutcome::detail).toArray()));
            ps.setArray(5, c.createArrayOf("integer", outcomes.stream().map(ErasureOutcome::lastStatus).toArray()));
            ps.setArray(6, c.createArrayOf("bigint", outcomes.stream().map(ErasureOutcome::eventId).toArray()));
            ps.setString(7, destination);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(ERASURE_STATUS)) {
            ps.setArray(1, workspaces);
            ps.setArray(2, users);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(UNSEAL)) {
            ps.setArray(1, c.createArrayOf("integer", outcomes.stream().map(ErasureOutcome::lane).toArray()));
            ps.setArray(2, c.createArrayOf("bigint", outcomes.stream().map(ErasureOutcome::seq).toArray()));
            ps.executeUpdate();
        }
    }

    public int releaseOwner(Connection c, String owner) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RELEASE_OWNER)) {
            ps.setString(1, owner);
            return ps.executeUpdate();
        }
    }

    /** Seconds until this destination's next parked profile is due (negative: overdue); null when none is parked. */
    public Double nextDue(Connection c, String destination) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(NEXT_DUE)) {
            ps.setString(1, destination);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                double seconds = rs.getDouble(1);
                return rs.wasNull() ? null : seconds;
            }
        }
    }

    public record Backlog(long pending, double oldestAgeSeconds) {
    }

    /** Per destination: changes its cursors have not passed (all workspaces), and the age of the oldest. */
    public Map<String, Backlog> backlog(Connection c) throws SQLException {
        Map<String, Backlog> backlog = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(BACKLOG); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                backlog.put(rs.getString(1), new Backlog(rs.getLong(2), rs.getDouble(3)));
            }
        }
        return backlog;
    }

    private static List<Parked> parked(PreparedStatement ps) throws SQLException {
        List<Parked> parked = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                parked.add(new Parked(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getInt(5),
                        rs.getBoolean(6)));
            }
        }
        return parked;
    }

    /** A change as read from the log; {@code destination} non-null: meant for that destination only. */
    public record LoggedChange(ClaimedEvent event, String destination) {
    }

    private static List<LoggedChange> changes(PreparedStatement ps) throws SQLException {
        List<LoggedChange> changes = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long version = rs.getLong(9);
                Long v = rs.wasNull() ? null : version;
                changes.add(new LoggedChange(new ClaimedEvent(rs.getString(1), rs.getLong(2), rs.getString(3),
                        rs.getString(4), object(rs.getString(5)), 0, rs.getTimestamp(6).toInstant(), rs.getInt(7),
                        rs.getLong(8), v, new ChangeOrigin(rs.getString(11), rs.getString(12), rs.getString(13))),
                        rs.getString(10)));
            }
        }
        return changes;
    }

    public static ObjectNode object(String json) throws SQLException {
        if (json == null) {
            return JsonInput.MAPPER.createObjectNode();
        }
        try {
            return (ObjectNode) JsonInput.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SQLException("change log event is not JSON", e);
        }
    }
}
