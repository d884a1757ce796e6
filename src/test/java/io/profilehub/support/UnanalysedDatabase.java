package io.profilehub.support;

import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A database of its own, migrated like the service's and never analysed: autovacuum is off for every ProfileHub
 * table, so PostgreSQL plans with no statistics at all, as on a new workspace's first import or a cluster that runs
 * without autovacuum. {@link #seed} fills it with rows the planner does not know about.
 */
public final class UnanalysedDatabase {
    private final String url;

    private UnanalysedDatabase(String url) {
        this.url = url;
    }

    public static UnanalysedDatabase create(String label) throws SQLException {
        UnanalysedDatabase db = new UnanalysedDatabase(TestDatabase.createExtraDatabase(label));
        Flyway.configure()
                .dataSource(db.url, TestDatabase.username(), TestDatabase.password())
                .locations("classpath:db/migration")
                .schemas("profilehub").defaultSchema("profilehub").createSchemas(true)
                .load().migrate();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("""
                    do $$
                    declare t record;
                    begin
                      for t in select c.oid::regclass as name from pg_class c
                                where c.relnamespace = 'profilehub'::regnamespace and c.relkind = 'r' loop
                        execute format('alter table %s set (autovacuum_enabled = false)', t.name);
                      end loop;
                    end $$""");
        }
        return db;
    }

    public Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url, TestDatabase.username(), TestDatabase.password());
        c.setSchema("profilehub");
        return c;
    }

    /**
     * {@code profiles} profiles of one workspace, each with an email key, ten changes in the change log and a parked delivery, inserted
     * without ANALYZE: a plan that scans a workspace's rows now costs what it would on a real one.
     */
    public void seed(String workspace, int profiles) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("insert into profiles (workspace_id, id, identifiers) select '" + workspace + "', 'usr_' || g, "
                    + "jsonb_build_object('email', 'p' || g || '@example.com') from generate_series(1, " + profiles + ") g");
            s.execute("insert into identity_keys (workspace_id, key_name, key_value, profile_id) select '" + workspace
                    + "', 'email', 'p' || g || '@example.com', 'usr_' || g from generate_series(1, " + profiles + ") g");
            s.execute("insert into change_log (lane, seq, workspace_id, profile_id, version, kind, change) "
                    + "select g % 64, g, '" + workspace + "', 'usr_' || (g % " + profiles + "), 1, 'upsert', '{}' "
                    + "from generate_series(1, " + profiles * 10 + ") g");
            s.execute("insert into delivery_parked (destination, workspace_id, profile_id, lane, from_seq, available_at) "
                    + "select 'webhook', '" + workspace + "', 'usr_' || g, g % 64, g, now() "
                    + "from generate_series(1, " + profiles + ") g");
        }
    }
}
