package io.profilehub.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.JsonInput;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The SQL of claiming and settling outbox events. */
@Singleton
public class OutboxRepository {

    /*
     * The head of each profile's queue for this destination: due, not held by a live lease, and with no earlier
     * pending or in-flight event of the same profile. SKIP LOCKED lets any number of workers and instances claim
     * side by side; the NOT EXISTS keeps one profile's events strictly one after another. Its OFFSET 0 keeps it a
     * probe of outbox_profile_active per candidate: as an anti-join, statistics taken while nothing was pending let
     * the planner scan the whole backlog for every candidate (22 s per claim at 440,000 pending events, 1.2 ms so).
     */
    private static final String CLAIM_HEADS = """
            with heads as (
                select e.workspace_id, e.id
                  from outbox_events e
                 where e.destination = ?
                   and e.status in ('pending', 'in_flight')
                   and ((e.status = 'pending' and e.available_at <= now())
                        or (e.status = 'in_flight' and e.lease_until < now()))
                   and not exists (select 1 from outbox_events p
                                    where p.destination = e.destination and p.profile_id = e.profile_id
                                      and p.status in ('pending', 'in_flight') and p.id < e.id
                                   offset 0)
                 order by e.id
                 limit ?
                   for update of e skip locked
            )
            update outbox_events o
               set status = 'in_flight', lease_until = now() + ? * interval '1 millisecond', lease_owner = ?
              from heads h
             where o.workspace_id = h.workspace_id and o.id = h.id
            returning o.workspace_id, o.id, o.profile_id, o.kind, o.payload::text, o.attempts, o.created_at
            """;

    /*
     * The events queued behind the claimed heads (including those of a crashed worker's expired claim), held under
     * the same lease so they can be composed and sent. No SKIP LOCKED here: a skipped row would leave a gap in a
     * profile's sequence. Nobody else can claim these rows while we hold their head. LATERAL makes each head one
     * probe of outbox_profile_active whatever the statistics say; a join let the planner scan the whole backlog
     * (0.3-3 s at 80,000 pending events).
     *
     * Those an earlier attempt carried are taken whatever the limit: a failed attempt was counted on them, or they
     * sit in a lost claim (expired lease). The vendor may have taken that attempt (a timeout, a worker that died
     * after sending), so the next one must carry at least as much, or it would bring an older version after a newer
     * one. They are the first events after their head, so taking (carried + limit) events in id order takes them
     * all and at most `limit` new ones.
     */
    private static final String CLAIM_FOLLOWERS = """
            with followers as (
                select f.workspace_id, f.id
                  from unnest(?::text[], ?::bigint[]) as h(profile_id, head_id)
                 cross join lateral (
                     select count(*) as carried
                       from outbox_events c
                      where c.destination = ? and c.profile_id = h.profile_id and c.id > h.head_id
                        and ((c.status = 'pending' and c.attempts > 0)
                             or (c.status = 'in_flight' and c.lease_until < now()))
                 ) n
                 cross join lateral (
                     select e.workspace_id, e.id
                       from outbox_events e
                      where e.destination = ? and e.profile_id = h.profile_id and e.id > h.head_id
                        and (e.status = 'pending' or (e.status = 'in_flight' and e.lease_until < now()))
                      order by e.id
                      limit n.carried + ?
                        for update of e
                 ) f
            )
            update outbox_events o
               set status = 'in_flight', lease_until = now() + ? * interval '1 millisecond', lease_owner = ?
              from followers f
             where o.workspace_id = f.workspace_id and o.id = f.id
            returning o.workspace_id, o.id, o.profile_id, o.kind, o.payload::text, o.attempts, o.created_at
            """;

    /*
     * Settles a whole claim in one round trip; a lease that expired and moved to another worker is left alone.
     * A delivered event drops its sealed fields; a connector's result word (erasures) is kept with its note.
     */
    private static final String SETTLE = """
            update outbox_events o
               set status = u.status,
                   attempts = o.attempts + u.attempted,
                   available_at = coalesce(u.available_at, o.available_at),
                   finished_at = case when u.status in ('delivered', 'dead', 'cancelled') then now() end,
                   lease_until = null, lease_owner = null,
                   last_status = coalesce(u.http_status, o.last_status),
                   last_error = case when u.status = 'delivered' then null else coalesce(u.error, o.last_error) end,
                   payload = (case when u.status = 'delivered' then o.payload - 'sealed' else o.payload end)
                             || case when u.result is null then '{}'::jsonb
                                     else jsonb_build_object('result', u.result, 'note', u.error) end
              from unnest(?::text[], ?::bigint[], ?::text[], ?::int[], ?::timestamptz[], ?::int[], ?::text[], ?::text[])
                   as u(workspace_id, id, status, attempted, available_at, http_status, error, result)
             where o.workspace_id = u.workspace_id and o.id = u.id
               and o.status = 'in_flight' and o.lease_owner = ?
            """;

    /*
     * The claim must walk outbox_active in id order and stop after a page of heads. Without fresh statistics (a new
     * or suddenly grown queue; autovacuum lags on a busy server) the planner expects a handful of rows and prefers a
     * bitmap scan that anti-joins and sorts the whole backlog: 3.7 s per claim at 80,000 pending events, against
     * 2-50 ms for the ordered walk, which collapsed delivery to ~70 events/s. Off for the claiming transaction only.
     */
    private static final String ORDERED_CLAIM_PLAN = "set local enable_bitmapscan = off";

    private static final String RELEASE_OWNER = """
            update outbox_events set status = 'pending', lease_until = null, lease_owner = null
             where lease_owner = ? and status = 'in_flight'
            """;

    // In chunks, each its own transaction: one statement over a week of deliveries could outlast the sessions'
    // statement_timeout (30 s) and then fail every hour, leaving the table to grow.
    private static final String PURGE = """
            delete from outbox_events e
             using (select workspace_id, id from outbox_events
                     where status in ('delivered', 'cancelled') and finished_at < now() - ? * interval '1 millisecond'
                     limit ?) old
             where e.workspace_id = old.workspace_id and e.id = old.id
            """;

    private static final String BACKLOG = """
            select destination, count(*), extract(epoch from now() - min(created_at))
              from outbox_events where status in ('pending', 'in_flight') group by destination
            """;

    public record Backlog(long pending, double oldestAgeSeconds) {
    }

    /** Events waiting per destination across all workspaces, and the age of the oldest (for metrics). */
    public java.util.Map<String, Backlog> backlog(Connection c) throws SQLException {
        java.util.Map<String, Backlog> backlog = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(BACKLOG); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                backlog.put(rs.getString(1), new Backlog(rs.getLong(2), rs.getDouble(3)));
            }
        }
        return backlog;
    }

    public List<ClaimedEvent> claim(Connection c, String destination, int heads, int followers, Duration lease,
                                    String owner) throws SQLException {
        List<ClaimedEvent> claimed = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(ORDERED_CLAIM_PLAN)) {
            ps.execute();
        }
        try (PreparedStatement ps = c.prepareStatement(CLAIM_HEADS)) {
            ps.setString(1, destination);
            ps.setInt(2, heads);
            ps.setLong(3, lease.toMillis());
            ps.setString(4, owner);
            readInto(ps, claimed);
        }
        if (claimed.isEmpty()) {
            return claimed;
        }
        try (PreparedStatement ps = c.prepareStatement(CLAIM_FOLLOWERS)) {
            ps.setArray(1, c.createArrayOf("text", claimed.stream().map(ClaimedEvent::profileId).toArray()));
            ps.setArray(2, c.createArrayOf("bigint", claimed.stream().map(ClaimedEvent::id).toArray()));
            ps.setString(3, destination);
            ps.setString(4, destination);
            ps.setInt(5, Math.max(0, followers));
            ps.setLong(6, lease.toMillis());
            ps.setString(7, owner);
            readInto(ps, claimed);
        }
        return claimed;
    }

    public int settle(Connection c, List<EventResult> results, String owner) throws SQLException {
        if (results.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement(SETTLE)) {
            ps.setArray(1, c.createArrayOf("text", results.stream().map(EventResult::workspaceId).toArray()));
            ps.setArray(2, c.createArrayOf("bigint", results.stream().map(EventResult::id).toArray()));
            ps.setArray(3, c.createArrayOf("text", results.stream().map(EventResult::status).toArray()));
            ps.setArray(4, c.createArrayOf("integer", results.stream().map(r -> r.attempted() ? 1 : 0).toArray()));
            ps.setArray(5, c.createArrayOf("timestamptz", results.stream()
                    .map(r -> r.availableAt() == null ? null : Timestamp.from(r.availableAt())).toArray()));
            ps.setArray(6, c.createArrayOf("integer", results.stream().map(EventResult::httpStatus).toArray()));
            ps.setArray(7, c.createArrayOf("text", results.stream().map(EventResult::error).toArray()));
            ps.setArray(8, c.createArrayOf("text", results.stream().map(EventResult::result).toArray()));
            ps.setString(9, owner);
            return ps.executeUpdate();
        }
    }

    public int releaseOwner(Connection c, String owner) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RELEASE_OWNER)) {
            ps.setString(1, owner);
            return ps.executeUpdate();
        }
    }

    /** Deletes at most {@code chunk} delivered or cancelled events older than {@code retention}. */
    public int purge(Connection c, Duration retention, int chunk) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PURGE)) {
            ps.setLong(1, retention.toMillis());
            ps.setInt(2, chunk);
            return ps.executeUpdate();
        }
    }

    private static void readInto(PreparedStatement ps, List<ClaimedEvent> into) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                into.add(new ClaimedEvent(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        object(rs.getString(5)), rs.getInt(6), rs.getTimestamp(7).toInstant()));
            }
        }
    }

    static ObjectNode object(String json) throws SQLException {
        if (json == null) {
            return JsonInput.MAPPER.createObjectNode();
        }
        try {
            return (ObjectNode) JsonInput.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SQLException("outbox payload is not JSON", e);
        }
    }
}
