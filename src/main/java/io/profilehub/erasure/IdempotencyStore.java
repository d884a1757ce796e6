package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.data.annotation.Embeddable;
import io.micronaut.data.annotation.EmbeddedId;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.DataType;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

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

    /**
     * A row of {@code idempotency_keys}. Nothing reads or writes whole rows: {@link Records} has the statements, and
     * this is the table they work on. Not qualified with a schema: the pool's connections have
     * {@code profilehub.schema} as theirs.
     */
    @MappedEntity("idempotency_keys")
    public record Row(@EmbeddedId RowKey id, String request, String state, @Nullable Integer status,
                      @Nullable @TypeDef(type = DataType.JSON) String body, String[] subjects, Instant createdAt,
                      Instant claimedAt) {
    }

    @Embeddable
    public record RowKey(@MappedProperty("workspace_id") String workspaceId, @MappedProperty("key") String key) {
    }

    /** What {@link Records#lock} finds: the stored claim or answer, and whether it is past its time. */
    @Introspected
    public record Found(String request, String state, @Nullable Integer status, @Nullable String body,
                        boolean expired, boolean abandoned) {
    }

    /*
     * Hand-written statements: claiming needs INSERT ... ON CONFLICT DO NOTHING and SELECT ... FOR UPDATE, and the
     * times are compared with PostgreSQL's clock, as every instance sees the same one.
     */
    @JdbcRepository(dialect = Dialect.POSTGRES)
    public interface Records extends GenericRepository<Row, RowKey> {

        /** 1: the key is this request's now; 0: someone holds it. */
        @Query("""
                insert into idempotency_keys (workspace_id, key, request, state)
                values (:workspaceId, :key, :request, 'claimed')
                on conflict do nothing
                """)
        int insertClaim(String workspaceId, String key, String request);

        @Query("""
                select request, state, status, body::text as body,
                       created_at < now() - :retentionMillis * interval '1 millisecond' as expired,
                       claimed_at < now() - :claimTimeoutMillis * interval '1 millisecond' as abandoned
                  from idempotency_keys where workspace_id = :workspaceId and key = :key for update
                """)
        Optional<Found> lock(String workspaceId, String key, long retentionMillis, long claimTimeoutMillis);

        @Query("""
                update idempotency_keys
                   set request = :request, state = 'claimed', status = null, body = null, subjects = '{}',
                       created_at = now(), claimed_at = now()
                 where workspace_id = :workspaceId and key = :key
                """)
        int renew(String workspaceId, String key, String request);

        @Query("update idempotency_keys set claimed_at = now() where workspace_id = :workspaceId and key = :key")
        int takeOver(String workspaceId, String key);

        @Query("""
                update idempotency_keys
                   set state = 'done', status = :status, body = cast(:body as jsonb), subjects = :subjects
                 where workspace_id = :workspaceId and key = :key and state = 'claimed'
                """)
        int complete(String workspaceId, String key, int status, String body, String[] subjects);

        @Query("delete from idempotency_keys where workspace_id = :workspaceId and key = :key and state = 'claimed'")
        int release(String workspaceId, String key);

        @Query("""
                delete from idempotency_keys
                 where workspace_id = :workspaceId and subjects @> array[:profileId]::text[] and state = 'done'
                """)
        int scrub(String workspaceId, String profileId);

        @Query("delete from idempotency_keys where created_at < now() - :retentionMillis * interval '1 millisecond'")
        int purge(long retentionMillis);
    }

    private final TransactionOperations<Connection> tx;
    private final Records records;
    private final ObjectMapper objectMapper;
    private final Settings settings;

    public IdempotencyStore(TransactionOperations<Connection> tx, Records records, Settings settings,
                            ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
        this.tx = tx;
        this.records = records;
        this.settings = settings;
    }

    /** Claims the key for this request in a transaction of its own, or says why not. */
    public Claim claim(String workspaceId, String key, String requestHash) {
        return tx.executeWrite(status -> {
            if (records.insertClaim(workspaceId, key, requestHash) == 1) {
                return new Claimed();
            }
            Optional<Found> found = records.lock(workspaceId, key, settings.retention().toMillis(),
                    settings.claimTimeout().toMillis());
            if (found.isEmpty()) {
                return new InFlight(); // released between our insert and read: the client may simply retry
            }
            Found row = found.get();
            if (row.expired()) {
                // Past retention the key is free again, whether or not the purge has run yet.
                records.renew(workspaceId, key, requestHash);
                return new Claimed();
            }
            if (!row.request().equals(requestHash)) {
                return new Reused();
            }
            if (row.state().equals("claimed")) {
                if (row.abandoned()) {
                    records.takeOver(workspaceId, key);
                    return new Claimed();
                }
                return new InFlight();
            }
            return new Done(row.status(), objectMapper.readTree(row.body()));
        });
    }

    /** Stores the answer to replay; {@code subjects}: the profile ids it is about. */
    public void complete(String workspaceId, String key, int status, String body, Collection<String> subjects) {
        tx.executeWrite(s -> records.complete(workspaceId, key, status, body, subjects.toArray(String[]::new)));
    }

    /** The work failed without an answer worth replaying: the key is free for a retry. */
    public void release(String workspaceId, String key) {
        tx.executeWrite(s -> records.release(workspaceId, key));
    }

    /**
     * Within an erasure's transaction (the caller's, which the statement joins): answers about the erased profile
     * are not kept.
     */
    @Transactional(propagation = TransactionDefinition.Propagation.MANDATORY)
    public void scrub(String workspaceId, String profileId) {
        records.scrub(workspaceId, profileId);
    }


    @Scheduled(fixedDelay = "1h", initialDelay = "1m")
    public int purge() {
        int purged = tx.executeWrite(s -> records.purge(settings.retention().toMillis()));
        if (purged > 0) {
            LOG.info("Purged {} Idempotency-Key records older than {}", purged, settings.retention());
        }
        return purged;
    }
}
