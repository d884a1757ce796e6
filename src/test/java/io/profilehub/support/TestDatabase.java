package io.profilehub.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One fresh database per test run, on the first server that is available: the one named by
 * PROFILEHUB_TEST_DB_URL or DATASOURCES_DEFAULT_URL, else localhost:5432, else a Testcontainers PostgreSQL where a
 * Docker engine runs, else an embedded PostgreSQL. The database is dropped when the run ends.
 */
public final class TestDatabase {
    private static final Pattern JDBC = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?");
    private static Server server;
    private static String database;
    private static final java.util.List<String> extraDatabases = new java.util.ArrayList<>();

    public record Server(String adminUrl, String username, String password, AutoCloseable owner) {
    }

    private TestDatabase() {
    }

    public static synchronized Map<String, String> datasourceProperties() {
        if (database == null) {
            server = findServer();
            database = "profilehub_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            execute("create database " + database);
            Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::drop, "drop-test-database"));
        }
        return Map.of("datasources.default.url", url(),
                "datasources.default.username", server.username(),
                "datasources.default.password", server.password());
    }

    public static String url() {
        Matcher m = JDBC.matcher(server.adminUrl());
        if (!m.matches()) {
            throw new IllegalStateException("not a PostgreSQL JDBC URL: " + server.adminUrl());
        }
        return m.group(1) + database + (m.group(3) == null ? "" : m.group(3));
    }

    /**
     * A further fresh database on the same server, dropped when the run ends, for tests that must be alone on
     * theirs (they cut its connections or run service processes against it). Returns its JDBC URL.
     */
    public static synchronized String createExtraDatabase(String label) {
        datasourceProperties();
        String name = database + "_" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
        execute("create database " + name);
        extraDatabases.add(name);
        Matcher m = JDBC.matcher(server.adminUrl());
        m.matches();
        return m.group(1) + name + (m.group(3) == null ? "" : m.group(3));
    }

    public static String username() {
        datasourceProperties();
        return server.username();
    }

    public static String password() {
        datasourceProperties();
        return server.password();
    }

    /** Runs one statement in the server's maintenance database (the one databases are created from). */
    public static void executeAsAdmin(String sql) {
        datasourceProperties();
        execute(sql);
    }

    /** A connection to the server's maintenance database, outside of any test database. */
    public static Connection connectAsAdmin() throws SQLException {
        datasourceProperties();
        return DriverManager.getConnection(server.adminUrl(), server.username(), server.password());
    }

    public static Connection connect() throws SQLException {
        datasourceProperties();
        return DriverManager.getConnection(url(), server.username(), server.password());
    }

    private static Server findServer() {
        String env = firstNonBlank(System.getenv("PROFILEHUB_TEST_DB_URL"), System.getenv("DATASOURCES_DEFAULT_URL"));
        if (env != null) {
            return new Server(env,
                    firstNonBlank(System.getenv("PROFILEHUB_TEST_DB_USERNAME"), System.getenv("DATASOURCES_DEFAULT_USERNAME"), "postgres"),
                    firstNonBlank(System.getenv("PROFILEHUB_TEST_DB_PASSWORD"), System.getenv("DATASOURCES_DEFAULT_PASSWORD"), ""),
                    null);
        }
        String local = "jdbc:postgresql://localhost:5432/postgres?connectTimeout=2";
        try (Connection ignored = DriverManager.getConnection(local, "postgres", "")) {
            return new Server(local, "postgres", "", null);
        } catch (SQLException notThere) {
            // try the next kind of server
        }
        if (dockerAvailable()) {
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>("postgres:15-alpine");
            container.start();
            return new Server(container.getJdbcUrl(), container.getUsername(), container.getPassword(), container);
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            return new Server(embedded.getJdbcUrl("postgres", "postgres"), "postgres", "", embedded);
        } catch (Exception e) {
            throw new IllegalStateException("no PostgreSQL available for the tests", e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    /*
     * Every database at once, each on its own connection: a DROP DATABASE waits for a checkpoint (6 s for an empty
     * database on this loaded machine), and concurrent ones share it. One after the other, a run's dozen databases
     * outlasted surefire's 30 s exit timeout, which then killed the JVM with the databases left behind.
     */
    private static synchronized void drop() {
        java.util.List<String> all = new java.util.ArrayList<>(extraDatabases);
        all.add(database);
        java.util.List<Thread> drops = new java.util.ArrayList<>();
        for (String name : all) {
            Thread t = new Thread(() -> {
                try {
                    if (!name.equals(database)) {
                        execute("alter database " + name + " with allow_connections true");
                    }
                    execute("drop database if exists " + name + " with (force)");
                } catch (RuntimeException e) {
                    System.err.println("could not drop test database " + name + ": " + e.getMessage());
                }
            }, "drop-" + name);
            t.start();
            drops.add(t);
        }
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(25).toNanos();
        for (Thread t : drops) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (server.owner() != null) {
            try {
                server.owner().close();
            } catch (Exception ignored) {
                // exiting
            }
        }
    }

    private static void execute(String sql) {
        try (Connection c = DriverManager.getConnection(server.adminUrl(), server.username(), server.password());
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql.toLowerCase(Locale.ROOT) + " failed: " + e.getMessage(), e);
        }
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
