package io.profilehub.merge;

import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;

/**
 * Drops the pre-merge state merges keep for undo once it is older than profilehub.merges.undo-retention: the merge
 * row stays as the record, but it no longer holds a copy of anyone's data, and it can no longer be undone.
 */
@Singleton
public class MergeMaintenance {
    private static final Logger LOG = LoggerFactory.getLogger(MergeMaintenance.class);

    /* merges_expiry (V20) covers exactly the rows this finds: those still holding state. */
    private static final String DROP = """
            update merges set before_survivor = null, before_absorbed = null
             where expires_at <= now() and before_survivor is not null
            """;

    private final TransactionOperations<Connection> tx;

    public MergeMaintenance(TransactionOperations<Connection> tx) {
        this.tx = tx;
    }

    /** Answers how many merges it dropped the kept state of. */
    @Scheduled(fixedDelay = "1h", initialDelay = "5m")
    public int dropExpired() {
        int dropped = tx.executeWrite(status -> {
            try (PreparedStatement ps = status.getConnection().prepareStatement(DROP)) {
                return ps.executeUpdate();
            }
        });
        if (dropped > 0) {
            LOG.info("Dropped the kept pre-merge state of {} merges past their undo retention", dropped);
        }
        return dropped;
    }
}
