package io.profilehub.outbox;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention drops a day of the change log once it is older than both retentions (the outbox's and field history's)
 * and every destination has passed it, and never while one has not: delivered rows go with their partition, without a DELETE.
 */
class ChangeLogRetentionTest {

    @Test
    void aDayIsDroppedOnlyOnceEveryDestinationIsPastIt() throws Exception {
        String url = TestDatabase.createExtraDatabase("changelog_retention");
        Map<String, Object> p = new HashMap<>();
        p.put("datasources.default.url", url);
        p.put("datasources.default.username", TestDatabase.username());
        p.put("datasources.default.password", TestDatabase.password());
        p.put("profilehub.bootstrap.api-key", "phk_retention_test_key_0123456789abcdefXYZ");
        p.put("profilehub.bootstrap.workspace", "ws_retention");
        p.put("micronaut.server.port", "-1");
        p.put("profilehub.management.port", "-1");
        p.put("profilehub.outbox.retention", "7d");
        p.put("profilehub.history.retention", "14d");
        LocalDate old = LocalDate.now(ZoneOffset.UTC).minusDays(20);
        String partition = "change_log_" + old.format(DateTimeFormatter.ofPattern("yyyyMMdd"));
        // past the outbox's retention, delivered everywhere, but field history still reads it
        LocalDate recent = LocalDate.now(ZoneOffset.UTC).minusDays(10);
        String historyDay = "change_log_" + recent.format(DateTimeFormatter.ofPattern("yyyyMMdd"));
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, p);
             Connection c = DriverManager.getConnection(url, TestDatabase.username(), TestDatabase.password())) {
            c.setSchema("profilehub");
            ChangeLogMaintenance maintenance = server.getApplicationContext().getBean(ChangeLogMaintenance.class);
            try (Statement s = c.createStatement()) {
                s.execute("create table " + historyDay + " partition of change_log for values from ('" + recent
                        + "T00:00:00Z') to ('" + recent.plusDays(1) + "T00:00:00Z')");
                s.execute("create table " + partition + " partition of change_log for values from ('" + old
                        + "T00:00:00Z') to ('" + old.plusDays(1) + "T00:00:00Z')");
                s.execute("update change_lanes set last_seq = 2 where lane = 5");
                s.execute("insert into change_log (lane, seq, workspace_id, profile_id, version, kind, change, "
                        + "created_at) values (5, 1, 'ws_retention', 'usr_old', 1, 'upsert', '{}', '" + old
                        + "T12:00:00Z'), (5, 2, 'ws_retention', 'usr_old', 2, 'upsert', '{}', '" + old + "T13:00:00Z')");
                s.execute("insert into delivery_cursors (destination, lane, position, since_seq) "
                        + "select 'slow', lane, 0, 0 from change_lanes");
                s.execute("update delivery_cursors set position = 1 where destination = 'slow' and lane = 5");
            }
            assertEquals(0, maintenance.dropDelivered(), "the slow destination has not passed seq 2");
            assertTrue(exists(c, partition));

            try (Statement s = c.createStatement()) {
                s.execute("update delivery_cursors set position = 2 where destination = 'slow' and lane = 5");
                s.execute("insert into delivery_parked (destination, workspace_id, profile_id, lane, from_seq, "
                        + "available_at) values ('slow', 'ws_retention', 'usr_old', 5, 2, now())");
            }
            assertEquals(0, maintenance.dropDelivered(), "a parked profile still needs its changes");

            try (Statement s = c.createStatement()) {
                s.execute("delete from delivery_parked");
            }
            assertEquals(1, maintenance.dropDelivered());
            assertFalse(exists(c, partition));
            assertTrue(exists(c, historyDay), "within profilehub.history.retention: kept for field history");
            assertTrue(exists(c, "change_log_" + LocalDate.now(ZoneOffset.UTC)
                    .format(DateTimeFormatter.ofPattern("yyyyMMdd"))), "today's partition is kept");
        }
    }

    private static boolean exists(Connection c, String table) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("select to_regclass(?) is not null")) {
            ps.setString(1, "profilehub." + table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
