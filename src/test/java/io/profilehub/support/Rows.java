package io.profilehub.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Reads the test database directly, to see what a request really wrote (or didn't). Tables are in schema profilehub. */
public final class Rows {
    /* One connection for the whole run: tests take footprints around nearly every request. */
    private static Connection connection;

    private Rows() {
    }

    public static long count(String sql, Object... params) {
        List<String> values = strings(sql, params);
        return Long.parseLong(values.get(0));
    }

    public static synchronized List<String> strings(String sql, Object... params) {
        try (PreparedStatement ps = connection().prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = TestDatabase.connect();
        }
        return connection;
    }

    /**
     * A fingerprint of everything a request could write in a workspace (profiles and their versions, identity keys,
     * API keys and revocations, changes in the change log): equal before and after means nothing was written.
     */
    public static String footprint(String workspace) {
        return strings("""
                select concat_ws(' / ',
                    (select count(*) || ' profiles, version sum ' || coalesce(sum(version), 0) || ', last update '
                            || coalesce(max(updated_at)::text, '-') from profilehub.profiles where workspace_id = ?),
                    (select count(*) || ' identity keys' from profilehub.identity_keys where workspace_id = ?),
                    (select count(*) || ' api keys, ' || count(revoked_at) || ' revoked'
                       from profilehub.api_keys where workspace_id = ?),
                    (select count(*) || ' changes' from profilehub.change_log where workspace_id = ?))
                """, workspace, workspace, workspace, workspace).get(0);
    }

    /**
     * Every table of the schema whose rows, as text, contain the value (case-insensitively): where a person's data
     * may remain. {@code expected}: tables the caller relies on being scanned, checked to exist.
     */
    public static List<String> tablesContaining(String value, List<String> expected) {
        List<String> hits = new ArrayList<>();
        try (Connection c = TestDatabase.connect()) {
            List<String> tables = new ArrayList<>();
            // The change log is partitioned: its parent reads every partition (and each partition is a table too).
            try (ResultSet rs = c.getMetaData().getTables(null, "profilehub", "%",
                    new String[]{"TABLE", "PARTITIONED TABLE"})) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_NAME"));
                }
            }
            org.junit.jupiter.api.Assertions.assertTrue(tables.containsAll(expected), tables.toString());
            for (String table : tables) {
                try (PreparedStatement ps = c.prepareStatement("select count(*) from profilehub." + table
                        + " t where position(lower(?) in lower(t::text)) > 0")) {
                    ps.setString(1, value);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getLong(1) > 0) {
                            hits.add(table);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return hits;
    }
}
