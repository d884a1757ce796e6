package io.profilehub.operations;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Pattern;

/**
 * The top-level {@code profilehub.*} keys: the schema of ProfileHub's tables (application.yml hands it to the
 * datasource and Flyway), the two that {@code mvn mn:run} passes as system properties (pom.xml), read by the
 * launcher before the context exists, and {@code log-level}, which logback.xml reads as PROFILEHUB_LOG_LEVEL.
 */
@ConfigurationProperties("profilehub")
public record LaunchSettings(
        @Bindable(defaultValue = "profilehub")
        @Pattern(regexp = "[a-z_][a-z0-9_]{0,62}", message = "must be a plain PostgreSQL name (lower-case letters, "
                + "digits and _, not starting with a digit)") String schema,
        @Nullable String projectDir,
        @Nullable Boolean endParentOnFailure,
        @Nullable String logLevel) {
}
