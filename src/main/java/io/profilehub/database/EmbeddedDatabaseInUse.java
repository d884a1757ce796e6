package io.profilehub.database;

import java.nio.file.Path;

/**
 * The embedded PostgreSQL's data folder is locked by another server: most likely another ProfileHub started with
 * {@code mvn mn:run} from the same project. Its message says so and what to do, as one line without a stack trace.
 */
public final class EmbeddedDatabaseInUse extends RuntimeException {
    public EmbeddedDatabaseInUse(Path data) {
        super("Another ProfileHub (or PostgreSQL) is already running on the embedded database in " + data
                + ": stop it first, or give this one a folder of its own with PROFILEHUB_EMBEDDED_DB_DIRECTORY (and a"
                + " free PORT and PROFILEHUB_MANAGEMENT_PORT), or a real database with DATASOURCES_DEFAULT_URL.",
                null, false, false);
    }
}
