package io.profilehub.database;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

/**
 * {@code profilehub.embedded-db.*}. {@link EmbeddedPostgresLauncher} reads the directory before the application
 * context exists; bound here too, the key is known to the start-up check of settings like every other.
 */
@ConfigurationProperties("profilehub.embedded-db")
public record EmbeddedDatabaseSettings(@Nullable String directory) {
}
