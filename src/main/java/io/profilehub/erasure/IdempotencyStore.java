package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.http.JsonInput;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;

/**
 * Requests sent with an Idempotency-Key: the key is claimed in a committed transaction of its own before the work
 * starts, and the first answer stored when it is done, so a retry gets that answer and a concurrent duplicate is
 * told the first is still in flight. Records hold a hash of the request, never the request itself.
 */
@Singleton
public class IdempotencyStore {
    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyStore.class);

    /**
     * {@code retention}: how long a key and its answer are kept (and replayed); {@code claimTimeout}: a claim not
     * completed in this time (its instance died mid-request) may be taken over by a retry.
     */
    @ConfigurationProperties("profilehub.idempotency")
    public record Settings(@Bindable(defaultValue = "24h") Duration retention,
                           @Bindable(defaultValue = "5m") Duration claimTimeout) {
        public Settings {
            if (retention.isNegative() || retention.isZero() || claimTimeout.isNegative() || claimTimeout.isZero()) {
                throw new IllegalArgumentException("profilehub.idempotency.retention and claim-timeout must be positive");
            }
        }
    }

    /** What claiming a key found. */
    public sealed interface Claim {
    }

    /** The key is this request's now: do the work, then complete or release. */
    public record Claimed() implements Claim {
    }

    /** The key was used for a different request. */
    public record Reused() implements Claim {
    }

    /** The same request is being processed under the key right now. */
    public record InFlight() implements Claim {
    }

    /** The same request was answered: replay this. */
    public record Done(int status, JsonNode body) implements Claim {
    }

    private static final String INSERT = """
            insert into idempotency_keys (workspace_id, key, request, state) values (?, ?, ?, 'claimed')
            on conflict do nothing
            """;
    private static final String FIND = """
            select request, state, status, body::text,
                   created_at < now() - ? * interval '1 millisecond' as expired,
                   claimed_at < now() - ? * interval '1 millisecond' as abandoned
              from idempotency_keys where workspace_id = ? and key = ? for update
            """;
    private static final String RENEW = """
            update idempotency_keys
               set request = ?, state = 'claimed', status = null, body = null, subjects = '{}',
                   created_at = now(), claimed_at = now()
             where workspace_id = ? and key = ?
            """;
    private static final String TAKE_OVER = "update idempotency_keys set claimed_at = now() where workspace_id = ? and key = ?";
    private static final String COMPLETE = """
            update idempotency_keys set state = 'done', status = ?, body = ?::jsonb, subjects = ?::text[]
             where workspace_id = ? and key = ? and state = 'claimed'
            """;
    private static final String RELEASE = "delete from idempotency_keys where workspace_id = ? and key = ? and state = 'claimed'";
    private static final String SCRUB = """
            delete from idempotency_keys where workspace_id = ? and subjects @> array[?]::text[] and state = 'done'
            """;
    private static final String PURGE = "delete from idempotency_keys where created_at < now() - ? * interval '1 millisecond'";

    private final TransactionOperations<Connection> tx;
    private final Settings settings;

    public IdempotencyStore(TransactionOperations<Connection> tx, Settings settings) {
        this.tx = tx;
        this.settings = settings;
    }

    /** Claims the key for this request in a transaction of its own, or says why not. */
    public Claim claim(String workspaceId, String key, String requestHash) {
        return tx.executeWrite(status -> {
            Connection c = status.getConnection();
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, workspaceId);
                ps.setString(2, key);
                ps.setString(3, requestHash);
                if (ps.executeUpdate() == 1) {
                    return new Claimed();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(FIND)) {
                ps.setLong(1, settings.retention().toMillis());
                ps.setLong(2, settings.claimTimeout().toMillis());
                ps.setString(3, workspaceId);
                ps.setString(4, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return new InFlight(); // released between our insert and read: the client may simply retry
                    }
                    if (rs.getBoolean(5)) {
                        // Past retention the key is free again, whether or not the purge has run yet.
                        update(c, RENEW, requestHash, workspaceId, key);
                        return new Claimed();
                    }
                    if (!rs.getString(1).equals(requestHash)) {
                        return new Reused();
                    }
                    if (rs.getString(2).equals("claimed")) {
                        if (rs.getBoolean(6)) {
                            update(c, TAKE_OVER, workspaceId, key);
                            return new Claimed();
                        }
                        return new InFlight();
                    }
                    return new Done(rs.getInt(3), JsonInput.MAPPER.readTree(rs.getString(4)));
                }
            }
        });
    }

    /** Stores the answer to replay; {@code subjects}: the profile ids it is about. */
    public void complete(String workspaceId, String key, int status, String body, Collection<String> subjects) {
        tx.executeWrite(s -> {
            Connection c = s.getConnection();
            try (PreparedStatement ps = c.prepareStatement(COMPLETE)) {
                ps.setInt(1, status);
                ps.setString(2, body);
                ps.setArray(3, c.createArrayOf("text", subjects.toArray()));
                ps.setString(4, workspaceId);
                ps.setString(5, key);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The work failed without an answer worth replaying: the key is free for a retry. */
    public void release(String workspaceId, String key) {
        tx.executeWrite(s -> update(s.getConnection(), RELEASE, workspaceId, key));
    }

    /** Within an erasure's transaction: answers about the erased profile are not kept. */
    public void scrub(Connection c, String workspaceId, String profileId) throws SQLException {
        update(c, SCRUB, workspaceId, profileId);
    }

    @Scheduled(fixedDelay = "1h", initialDelay = "1m")
    public int purge() {
        int purged = tx.executeWrite(s -> {
            try (PreparedStatement ps = s.getConnection().prepareStatement(PURGE)) {
                ps.setLong(1, settings.retention().toMillis());
                return ps.executeUpdate();
            }
        });
        if (purged > 0) {
            LOG.info("Purged {} Idempotency-Key records older than {}", purged, settings.retention());
        }
        return purged;
    }

    private static int update(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }
}
