package io.profilehub.database;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.security.SecureRandom;
import java.sql.Connection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Secrets every instance must share (page-token signing, suppression hashes). The first instance to ask creates one
 * at random and stores it; the others read the same row, so no operator has to configure it.
 */
@Singleton
public class ServerSecrets {

    /** A row of {@code server_secrets} (its created_at is left to PostgreSQL). */
    @MappedEntity("server_secrets")
    public record Secret(@Id String name, byte[] secret) {
    }

    @JdbcRepository(dialect = Dialect.POSTGRES)
    public interface Secrets extends GenericRepository<Secret, String> {

        /* The first writer wins; a concurrent second insert waits for the first to commit, then does nothing. */
        @Query("insert into server_secrets (name, secret) values (:name, :secret) on conflict (name) do nothing")
        int insertIfAbsent(String name, byte[] secret);

        Optional<Secret> findByName(String name);
    }

    private final TransactionOperations<Connection> tx;
    private final Secrets secrets;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    public ServerSecrets(TransactionOperations<Connection> tx, Secrets secrets) {
        this.tx = tx;
        this.secrets = secrets;
    }

    public byte[] get(String name) {
        return cache.computeIfAbsent(name, this::load);
    }

    private byte[] load(String name) {
        byte[] fresh = new byte[32];
        random.nextBytes(fresh);
        // Read committed: the select after the insert sees the row, whichever instance wrote it.
        return tx.executeWrite(status -> {
            secrets.insertIfAbsent(name, fresh);
            return secrets.findByName(name).orElseThrow().secret();
        });
    }
}
