package io.profilehub.outbox;

import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-minute delivery figures per workspace and destination, kept in the database so that every instance adds to
 * and reads the same series. A settled claim adds its counts with one upsert (one row per workspace it touched), to
 * rows of its own worker, so that concurrent workers never queue on one row lock.
 */
@Singleton
public class DeliveryMinutes {
    /** How long the rows are kept: the console shows the last hour, with room for clock skew and late readers. */
    public static final Duration KEPT = Duration.ofHours(2);

    private static final String ADD = """
            insert into delivery_minutes as m
                   (workspace_id, destination, minute, writer, delivered, retried, dead, lag_ms_sum, lag_ms_max)
            select u.workspace_id, ?, date_trunc('minute', now()), ?, u.delivered, u.retried, u.dead, u.lag_sum,
                   u.lag_max
              from unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])
                   as u(workspace_id, delivered, retried, dead, lag_sum, lag_max)
            on conflict (workspace_id, destination, minute, writer) do update
               set delivered = m.delivered + excluded.delivered,
                   retried = m.retried + excluded.retried,
                   dead = m.dead + excluded.dead,
                   lag_ms_sum = m.lag_ms_sum + excluded.lag_ms_sum,
                   lag_ms_max = greatest(m.lag_ms_max, excluded.lag_ms_max)
            """;

    /* Every minute of the window, empty ones included, so a chart shows quiet minutes as zero. */
    private static final String SERIES = """
            select s.minute, coalesce(m.delivered, 0), coalesce(m.retried, 0), coalesce(m.dead, 0),
                   case when m.delivered > 0 then m.lag_sum::float8 / m.delivered end,
                   case when m.delivered > 0 then m.lag_max end
              from generate_series(date_trunc('minute', now()) - (? - 1) * interval '1 minute',
                                   date_trunc('minute', now()), interval '1 minute') as s(minute)
              left join (select minute, sum(delivered) as delivered, sum(retried) as retried, sum(dead) as dead,
                                sum(lag_ms_sum) as lag_sum, max(lag_ms_max) as lag_max
                           from delivery_minutes
                          where workspace_id = ? and destination = ?
                            and minute > now() - (? + 1) * interval '1 minute'
                          group by minute) m
                on m.minute = s.minute
             order by s.minute
            """;

    private static final String PRUNE = "delete from delivery_minutes where minute < now() - ? * interval '1 second'";

    private final TransactionOperations<Connection> tx;

    public DeliveryMinutes(TransactionOperations<Connection> tx) {
        this.tx = tx;
    }

    /** One minute of one destination in one workspace; lag is null in a minute without deliveries. */
    public record Minute(Instant minute, long delivered, long retried, long dead, Double lagAvgMs, Long lagMaxMs) {
    }

    /** What one settled claim adds for one workspace. */
    static final class Tally {
        long delivered;
        long retried;
        long dead;
        long lagSum;
        long lagMax;
    }

    /** Adds up the results of one claim per workspace; lag is measured from when each event was queued. */
    static Map<String, Tally> tally(List<EventResult> results, Map<Long, ClaimedEvent> claimed, Instant now) {
        // Sorted, so the rows of one upsert are always written in the same order.
        Map<String, Tally> tallies = new TreeMap<>();
        for (EventResult r : results) {
            Tally t = tallies.computeIfAbsent(r.workspaceId(), w -> new Tally());
            switch (r.status()) {
                case EventResult.DELIVERED -> {
                    t.delivered++;
                    ClaimedEvent e = claimed.get(r.id());
                    long lag = e == null ? 0 : Math.max(0, Duration.between(e.createdAt(), now).toMillis());
                    t.lagSum += lag;
                    t.lagMax = Math.max(t.lagMax, lag);
                }
                case EventResult.DEAD -> t.dead++;
                case EventResult.PENDING -> {
                    if (r.attempted()) {
                        t.retried++;
                    }
                }
                default -> { }
            }
        }
        tallies.values().removeIf(t -> t.delivered == 0 && t.retried == 0 && t.dead == 0);
        return tallies;
    }

    /** Adds one claim's tallies to the rows of {@code writer}, the delivery worker that settled it. */
    void add(Connection c, String destination, String writer, Map<String, Tally> tallies) throws SQLException {
        if (tallies.isEmpty()) {
            return;
        }
        List<Tally> rows = new ArrayList<>(tallies.values());
        try (PreparedStatement ps = c.prepareStatement(ADD)) {
            ps.setString(1, destination);
            ps.setString(2, writer);
            ps.setArray(3, c.createArrayOf("text", tallies.keySet().toArray()));
            ps.setArray(4, c.createArrayOf("bigint", rows.stream().map(t -> t.delivered).toArray()));
            ps.setArray(5, c.createArrayOf("bigint", rows.stream().map(t -> t.retried).toArray()));
            ps.setArray(6, c.createArrayOf("bigint", rows.stream().map(t -> t.dead).toArray()));
            ps.setArray(7, c.createArrayOf("bigint", rows.stream().map(t -> t.lagSum).toArray()));
            ps.setArray(8, c.createArrayOf("bigint", rows.stream().map(t -> t.lagMax).toArray()));
            ps.executeUpdate();
        }
    }

    /** The last {@code minutes} minutes, oldest first, the current (partial) minute last. */
    public List<Minute> series(String workspaceId, String destination, int minutes) {
        return tx.executeRead(status -> {
            try (PreparedStatement ps = status.getConnection().prepareStatement(SERIES)) {
                ps.setInt(1, minutes);
                ps.setString(2, workspaceId);
                ps.setString(3, destination);
                ps.setInt(4, minutes);
                List<Minute> series = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        series.add(new Minute(rs.getTimestamp(1).toInstant(), rs.getLong(2), rs.getLong(3),
                                rs.getLong(4), (Double) rs.getObject(5), (Long) rs.getObject(6)));
                    }
                }
                return series;
            }
        });
    }

    @Scheduled(fixedDelay = "10m", initialDelay = "1m")
    void prune() {
        tx.executeWrite(status -> {
            try (PreparedStatement ps = status.getConnection().prepareStatement(PRUNE)) {
                ps.setLong(1, KEPT.toSeconds());
                return ps.executeUpdate();
            }
        });
    }
}
