package io.profilehub.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The one class that uses the embedded PostgreSQL library, which is on the classpath of {@code mvn mn:run} and of
 * the tests, not in the packaged jar (provided scope in the pom): {@link EmbeddedPostgresLauncher} checks that the
 * library is there before it loads this class.
 */
final class EmbeddedPostgresServer {
    private EmbeddedPostgresServer() {
    }

    /** A started server: its JDBC URL for the postgres database, and how to stop it. */
    record Started(String jdbcUrl, AutoCloseable server) {
    }

    static Started start(Path data) throws IOException {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(0)
                // Its own hook would stop the server while the application still uses it; the launcher's waits.
                .setRegisterShutdownHook(false)
                .start();
        return new Started(postgres.getJdbcUrl("postgres", "postgres"), postgres);
    }
}
