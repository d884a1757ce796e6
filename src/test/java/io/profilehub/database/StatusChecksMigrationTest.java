package io.profilehub.database;

import io.profilehub.erasure.ErasureDestinationStatus;
import io.profilehub.erasure.ErasureStatus;
import io.profilehub.support.TestDatabase;
import io.profilehub.sync.BackfillStatus;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * V24's CHECK constraints on status words: a database holding a row with each word the Java enums know migrates,
 * keeps its rows, and refuses a word outside the set afterwards.
 */
class StatusChecksMigrationTest {
    private static final String WS = "ws_status_checks";

    @Test
    void rowsWithEveryKnownStatusMigrateAndUnknownWordsAreRefusedAfterwards() throws Exception {
        String url = TestDatabase.createExtraDatabase("status_checks");
        flyway(url, "20").migrate();
        List<String> backfills = Arrays.stream(BackfillStatus.values()).map(BackfillStatus::value).toList();
        List<String> erasures = Arrays.stream(ErasureStatus.values()).map(ErasureStatus::value).toList();
        List<String> perDestination = Arrays.stream(ErasureDestinationStatus.values())
                .map(ErasureDestinationStatus::value).toList();
        try (Connection c = connect(url)) {
            for (String status : backfills) {
                execute(c, "insert into backfill_jobs (workspace_id, id, destination, status) values (?, ?, 'hook', ?)",
                        WS, "bf_" + status, status);
            }
            for (String status : erasures) {
                execute(c, "insert into erasures (workspace_id, user_id, status) values (?, ?, ?)",
                        WS, "usr_" + status, status);
            }
            for (String status : perDestination) {
                execute(c, "insert into erasure_destinations (workspace_id, user_id, destination, status) "
                        + "values (?, 'usr_completed', ?, ?)", WS, "dest_" + status, status);
            }
        }

        flyway(url, "latest").migrate();

        try (Connection c = connect(url)) {
            assertEquals(sorted(backfills), rows(c, "select status from backfill_jobs order by status"));
            assertEquals(sorted(erasures), rows(c, "select status from erasures order by status"));
            assertEquals(sorted(perDestination), rows(c, "select status from erasure_destinations order by status"));

            assertRefused(c, "insert into backfill_jobs (workspace_id, id, destination, status) "
                    + "values ('" + WS + "', 'bf_x', 'hook', 'RUNNING')");
            assertRefused(c, "update erasures set status = 'done' where workspace_id = '" + WS + "'");
            assertRefused(c, "update erasure_destinations set status = 'delivered' where workspace_id = '" + WS + "'");
        }
    }

    private static void assertRefused(Connection c, String sql) {
        SQLException refused = assertThrows(SQLException.class, () -> execute(c, sql));
        assertEquals("23514", refused.getSQLState(), "a check violation: " + refused.getMessage());
    }

    private static List<String> sorted(List<String> values) {
        return values.stream().sorted().toList();
    }

    private static Flyway flyway(String url, String target) {
        return Flyway.configure().dataSource(url, TestDatabase.username(), TestDatabase.password())
                .locations("filesystem:db").schemas("profilehub").defaultSchema("profilehub").createSchemas(true)
                .target(target).load();
    }

    private static Connection connect(String url) throws SQLException {
        Connection c = DriverManager.getConnection(url, TestDatabase.username(), TestDatabase.password());
        c.setSchema("profilehub");
        return c;
    }

    private static void execute(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            ps.executeUpdate();
        }
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
