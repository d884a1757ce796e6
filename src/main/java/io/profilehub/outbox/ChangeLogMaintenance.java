package io.profilehub.outbox;

import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the change log's daily partitions: creates the coming days' ahead of the writers, and drops a day once it is
 * older than both retentions (the outbox's, and field history's, which reads the log) and every destination has
 * passed it (no parked profile still needs it either). Dropping
 * whole partitions instead of deleting delivered rows keeps dead tuples off the delivery path.
 */
@Singleton
public class ChangeLogMaintenance {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeLogMaintenance.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final int DAYS_AHEAD = 3;
    private static final int FAILURES_CHUNK = 10_000;

    private static final String PARTITIONS = """
            select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
             where i.inhparent = to_regclass(format('%I.change_log', current_schema()))
               and c.relname ~ '^change_log_[0-9]{8}$'
             order by c.relname
            """;

    /* %1$s is a partition's name, checked against the pattern above. */
    private static final String STILL_NEEDED = """
            select exists (select 1 from %1$s l join delivery_cursors c on c.lane = l.lane
                            where l.seq > c.position and (l.destination is null or l.destination = c.destination))
                or exists (select 1 from delivery_parked p
                             join %1$s l on l.workspace_id = p.workspace_id and l.profile_id = p.profile_id
                                        and l.seq >= p.from_seq)
            """;

    private static final String PURGE_FAILURES = """
            delete from delivery_failures f
             using (select ctid from delivery_failures where failed_at < now() - ? * interval '1 millisecond' limit ?) old
             where f.ctid = old.ctid
            """;

    private final TransactionOperations<Connection> tx;
    private final OutboxSettings settings;
    private final HistorySettings history;

    public ChangeLogMaintenance(TransactionOperations<Connection> tx, OutboxSettings settings,
                                HistorySettings history) {
        this.tx = tx;
        this.settings = settings;
        this.history = history;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        addPartitions();
    }

    @Scheduled(fixedDelay = "1h", initialDelay = "1h")
    void addPartitions() {
        int created = tx.executeWrite(status -> {
            try (PreparedStatement ps = status.getConnection().prepareStatement("select change_log_add_partitions(?)")) {
                ps.setInt(1, DAYS_AHEAD);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
        if (created > 0) {
            LOG.info("Created {} daily partitions of the change log", created);
        }
    }

    /** Drops the days every destination is past, older than both retentions; answers how many it dropped. */
    @Scheduled(fixedDelay = "1h", initialDelay = "5m")
    public int dropDelivered() {
        long keptDays = Math.max(settings.retention().toDays(), history.retention().toDays());
        LocalDate oldestKept = LocalDate.now(ZoneOffset.UTC).minusDays(Math.max(0, keptDays));
        List<String> dropped = new ArrayList<>();
        for (String partition : tx.executeRead(status -> partitions(status.getConnection()))) {
            LocalDate day = LocalDate.parse(partition.substring("change_log_".length()), DAY);
            if (!day.plusDays(1).isBefore(oldestKept)) {
                break; // in name order: the rest are newer
            }
            boolean dropable = tx.executeWrite(status -> {
                Connection c = status.getConnection();
                try (PreparedStatement ps = c.prepareStatement(STILL_NEEDED.formatted(partition));
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return false;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("drop table " + partition)) {
                    ps.execute();
                }
                return true;
            });
            if (!dropable) {
                LOG.info("Change log partition {} is past the retention but a destination has not passed it", partition);
                break; // later days cannot be dropped before it
            }
            dropped.add(partition);
        }
        purgeFailures();
        if (!dropped.isEmpty()) {
            LOG.info("Dropped change log partitions {}", dropped);
        }
        return dropped.size();
    }

    private void purgeFailures() {
        int chunk;
        do {
            chunk = tx.executeWrite(status -> {
                try (PreparedStatement ps = status.getConnection().prepareStatement(PURGE_FAILURES)) {
                    ps.setLong(1, settings.retention().toMillis());
                    ps.setInt(2, FAILURES_CHUNK);
                    return ps.executeUpdate();
                }
            });
        } while (chunk == FAILURES_CHUNK);
    }

    private static List<String> partitions(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(PARTITIONS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
