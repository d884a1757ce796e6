package io.profilehub.database;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * For a newcomer's first run: when no datasource URL is configured, start a real PostgreSQL from Maven Central's
 * binaries, keeping its data in a local folder across restarts. Production always names its database.
 *
 * <p>Such a run is a laptop's: the server then listens on 127.0.0.1 unless {@code micronaut.server.host} is set, so
 * a guessable first key is not reachable from the network, and a strong key is generated when none exists.
 *
 * <p>The library and its binaries are in the development build only ({@code mvn mn:run}, the tests), not in the
 * packaged jar: started there without a datasource URL, the service stops with {@link NoDatabaseConfigured}.
 */
public final class EmbeddedPostgresLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresLauncher.class);

    /** Where {@code mvn mn:run} says the project is: it starts the application in {@code target/}. */
    public static final String PROJECT_DIR = "profilehub.project-dir";

    /** A class of the embedded PostgreSQL library, looked up by name: the packaged jar does not carry it. */
    static final String LIBRARY_CLASS = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";

    private static final Duration CONTEXT_STOP_WAIT = Duration.ofSeconds(10);
    private static final CountDownLatch stopped = new CountDownLatch(1);
    private static volatile AutoCloseable running;
    private static volatile boolean contextRunning;

    private EmbeddedPostgresLauncher() {
    }

    /** An application context now owns the embedded database's lifetime: it will call {@link #stop()}. */
    static void contextStarted() {
        contextRunning = true;
    }

    /** Stops the embedded PostgreSQL if this JVM started one; the last step of shutdown. */
    static synchronized void stop() {
        AutoCloseable postgres = running;
        running = null;
        if (postgres != null) {
            try {
                postgres.close();
            } catch (Exception e) {
                LOG.info("The embedded PostgreSQL did not stop cleanly: {}", e.toString());
            }
        }
        stopped.countDown();
    }

    /** Returns the properties to add (datasource, bind address), or an empty map when a database is configured. */
    public static Map<String, Object> startIfNoDatabase(String[] args) {
        // The usual production case, decided without building a second application context (~1 s of start-up).
        String url = System.getenv("DATASOURCES_DEFAULT_URL");
        if (url != null && !url.isBlank()) {
            return Map.of();
        }
        Path data;
        Map<String, Object> firstRun;
        try (ApplicationContext probe = ApplicationContext.builder().args(args).deduceEnvironment(false).build()) {
            Environment environment = probe.getEnvironment().start();
            if (environment.getProperty("datasources.default.url", String.class).filter(s -> !s.isBlank()).isPresent()) {
                return Map.of();
            }
            data = dataDirectory(environment.getProperty("profilehub.embedded-db.directory", String.class)
                    .orElse(null), System.getProperty(PROJECT_DIR), System.getProperty("user.dir"));
            firstRun = firstRunProperties(environment.containsProperty("micronaut.server.host"),
                    environment.containsProperty("profilehub.bootstrap.generate-if-none"));
        }
        if (!libraryPresent(EmbeddedPostgresLauncher.class.getClassLoader())) {
            throw new NoDatabaseConfigured();
        }
        try {
            Files.createDirectories(data);
            // A first start unpacks PostgreSQL and runs initdb, quietly, for several seconds: say so before it.
            LOG.info("No database configured: starting an embedded PostgreSQL with its data in {}{}", data,
                    Files.exists(data.resolve("PG_VERSION")) ? "" : " (first start: unpacking and initialising it)");
            EmbeddedPostgresServer.Started postgres;
            try {
                postgres = EmbeddedPostgresServer.start(data);
            } catch (IllegalStateException e) {
                // The library's whole message is "could not lock <data>/epg-lock": another server owns the folder.
                if (String.valueOf(e.getMessage()).startsWith("could not lock")) {
                    throw new EmbeddedDatabaseInUse(data);
                }
                throw e;
            }
            running = postgres.server();
            // JVM shutdown hooks run in parallel: stopping PostgreSQL here at once would cut the connections the
            // application is still using to release its claims. The application context stops it after closing its
            // pool (EmbeddedPostgresStopper); this hook waits for that and only acts when no context ever ran.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (contextRunning) {
                    try {
                        stopped.await(CONTEXT_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                stop();
            }, "embedded-postgres-stop"));
            String jdbcUrl = postgres.jdbcUrl();
            LOG.warn("No database configured: started an embedded PostgreSQL at {} with its data in {}{}. "
                    + "Point ProfileHub at a real server with DATASOURCES_DEFAULT_URL (and _USERNAME/_PASSWORD).", jdbcUrl,
                    data, firstRun.containsKey("micronaut.server.host")
                            ? "; the API listens on 127.0.0.1 only (set MICRONAUT_SERVER_HOST to change that)" : "");
            Map<String, Object> properties = new HashMap<>(firstRun);
            properties.put("datasources.default.url", jdbcUrl);
            properties.put("datasources.default.username", "postgres");
            properties.put("datasources.default.password", "");
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + data, e);
        }
    }

    /** Whether the embedded PostgreSQL library is on the classpath (the development build), without loading it. */
    static boolean libraryPresent(ClassLoader loader) {
        try {
            Class.forName(LIBRARY_CLASS, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The embedded run's defaults, each only where configuration does not decide: listen on loopback alone, and
     * generate a first key when there is none.
     */
    static Map<String, Object> firstRunProperties(boolean hostConfigured, boolean generateConfigured) {
        Map<String, Object> properties = new HashMap<>();
        if (!hostConfigured) {
            properties.put("micronaut.server.host", "127.0.0.1");
        }
        if (!generateConfigured) {
            properties.put("profilehub.bootstrap.generate-if-none", true);
        }
        return properties;
    }

    /**
     * A relative data directory is resolved against the project directory when {@code mvn mn:run} names it (the
     * plugin runs the application in {@code target/}, which {@code mvn clean} deletes), else the working directory.
     */
    static Path dataDirectory(String configured, String projectDir, String workingDir) {
        Path path = Path.of(configured == null || configured.isBlank() ? ".profilehub/postgres" : configured);
        if (path.isAbsolute()) {
            return path;
        }
        return Path.of(projectDir == null || projectDir.isBlank() ? workingDir : projectDir).resolve(path).normalize();
    }
}
