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
        return tablesContaining(List.of(value), expected).get(value);
    }

    /**
     * The same for several values at once, by value: one scan of each table for all of them (each scan reads the
     * whole schema of the run's shared database, every test class's rows; one per value made MergeApiTest's erasure
     * test take ~60 s). A partition is read through its partitioned table, named as that table.
     */
    public static java.util.Map<String, List<String>> tablesContaining(List<String> values, List<String> expected) {
        java.util.Map<String, List<String>> hits = new java.util.LinkedHashMap<>();
        values.forEach(v -> hits.put(v, new ArrayList<>()));
        try (Connection c = TestDatabase.connect()) {
            List<String> tables = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    select t.relname from pg_class t join pg_namespace n on n.oid = t.relnamespace
                     where n.nspname = 'profilehub' and t.relkind in ('r', 'p') and not t.relispartition
                     order by 1""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            org.junit.jupiter.api.Assertions.assertTrue(tables.containsAll(expected), tables.toString());
            for (String table : tables) {
                // offset 0: each row is turned into text once, not once per value
                try (PreparedStatement ps = c.prepareStatement("select distinct v from (select lower(t::text) as row"
                        + " from profilehub." + table + " t offset 0) r cross join unnest(?::text[]) as v"
                        + " where position(lower(v) in r.row) > 0")) {
                    ps.setArray(1, c.createArrayOf("text", values.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            hits.get(rs.getString(1)).add(table);
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
