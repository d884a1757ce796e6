package io.profilehub.database;

/**
 * The packaged jar was started without a datasource URL: it carries no embedded PostgreSQL to fall back on. Its
 * message is the whole story, so the application logs it as one line, without a stack trace.
 */
public final class NoDatabaseConfigured extends RuntimeException {
    public NoDatabaseConfigured() {
        super("No database configured: set DATASOURCES_DEFAULT_URL (and DATASOURCES_DEFAULT_USERNAME / _PASSWORD) to"
                + " your PostgreSQL. This jar carries no embedded PostgreSQL; for a first run on a laptop use the"
                + " development build, mvn mn:run.", null, false, false);
    }
}
