package io.profilehub.database;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Pattern;

/**
 * {@code profilehub.database.*}: the PostgreSQL time-outs every pooled session sets ({@code connection-init-sql} in
 * application.yml reads them). They are PostgreSQL's values, in its units, so a wrong one would only show as a pool
 * that cannot open a connection: bound here, it stops start-up naming the key.
 */
@ConfigurationProperties("profilehub.database")
public record DatabaseSettings(
        @Bindable(defaultValue = "30s") @Pattern(regexp = PG_TIME, message = PG_TIME_RULE) String statementTimeout,
        @Bindable(defaultValue = "5s") @Pattern(regexp = PG_TIME, message = PG_TIME_RULE) String lockTimeout,
        @Bindable(defaultValue = "30s") @Pattern(regexp = PG_TIME, message = PG_TIME_RULE)
        String idleInTransactionTimeout) {
    static final String PG_TIME = "\\d+\\s*(us|ms|s|min|h|d)?";
    static final String PG_TIME_RULE = "must be a PostgreSQL time such as 500ms, 30s, 5min or 1h (0 turns it off)";
}
