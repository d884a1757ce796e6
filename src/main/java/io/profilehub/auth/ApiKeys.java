package io.profilehub.auth;

import io.micronaut.transaction.TransactionOperations;
import io.profilehub.profile.ProfileIds;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Issues, checks and revokes API keys. Only SHA-256 hashes of the secrets are ever stored. */
@Singleton
public class ApiKeys {
    public record IssuedKey(ApiKeyRepository.StoredKey stored, String secret) {
    }

    private final TransactionOperations<Connection> tx;
    private final ApiKeyRepository repository;

    public ApiKeys(TransactionOperations<Connection> tx, ApiKeyRepository repository) {
        this.tx = tx;
        this.repository = repository;
    }

    public Optional<Caller> authenticate(String secret) {
        byte[] hash = hash(secret);
        return tx.executeRead(status -> repository.findActive(status.getConnection(), hash))
                .filter(key -> MessageDigest.isEqual(key.hash(), hash))
                .map(key -> new Caller(key.workspaceId(), key.id(), key.scopes()));
    }

    public IssuedKey issue(String workspaceId, String name, Set<String> scopes) {
        String secret = ProfileIds.RandomTokens.of("phk_", 40);
        ApiKeyRepository.StoredKey stored = tx.executeWrite(status -> repository.insert(status.getConnection(),
                workspaceId, ProfileIds.RandomTokens.of("key_", 16), name, hash(secret), scopes));
        return new IssuedKey(stored, secret);
    }

    /** Makes a configured key exist with these scopes; its id is derived from its hash so restarts agree. */
    public void ensure(String workspaceId, String name, String secret, Set<String> scopes) {
        byte[] hash = hash(secret);
        String id = "key_" + java.util.HexFormat.of().formatHex(hash, 0, 8);
        tx.executeWrite(status -> {
            repository.ensure(status.getConnection(), workspaceId, id, name, hash, scopes);
            return null;
        });
    }

    public List<ApiKeyRepository.StoredKey> list(String workspaceId) {
        return tx.executeRead(status -> repository.list(status.getConnection(), workspaceId));
    }

    public boolean revoke(String workspaceId, String id) {
        return tx.executeWrite(status -> repository.revoke(status.getConnection(), workspaceId, id));
    }

    static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
