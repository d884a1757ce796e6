package io.profilehub.auth;

import io.profilehub.ids.RandomTokens;
import io.micronaut.context.annotation.Value;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues, checks and revokes API keys. Only SHA-256 hashes of the secrets are ever stored.
 *
 * <p>Answers are kept for {@code profilehub.auth.key-cache-ttl} (default 5 s) by hash: reading the key cost every request a transaction of its
 * own (a third of the database round trips of a GET). A revocation is seen at once by the instance that made it,
 * and by other instances within that time.
 */
@Singleton
public class ApiKeys {
    private final long cacheTtlNanos;
    private static final int CACHE_MAX = 10_000;

    private record Cached(Optional<Caller> caller, long until) {
    }

    private final Map<ByteBuffer, Cached> cache = new ConcurrentHashMap<>();
    /* Bumped by every change of keys, so an answer read before a revocation is never cached after it. */
    private final AtomicLong generation = new AtomicLong();
    public record IssuedKey(ApiKey stored, String secret) {
    }

    private final TransactionOperations<Connection> tx;
    private final ApiKeyRepository repository;

    public ApiKeys(TransactionOperations<Connection> tx, ApiKeyRepository repository,
                   @Value("${profilehub.auth.key-cache-ttl:5s}") Duration cacheTtl) {
        this.cacheTtlNanos = cacheTtl.toNanos();
        this.tx = tx;
        this.repository = repository;
    }

    public Optional<Caller> authenticate(String secret) {
        Optional<Caller> cached = cached(secret);
        return cached != null ? cached : lookUp(secret);
    }

    /**
     * The cached answer for this secret, or null when there is none (or it expired): then {@link #lookUp} reads the
     * database. Apart so that the auth filter answers cached keys on the event loop, without a thread hop.
     */
    Optional<Caller> cached(String secret) {
        Cached cached = cache.get(ByteBuffer.wrap(hash(secret)));
        return cached != null && System.nanoTime() - cached.until() < 0 ? cached.caller() : null;
    }

    /** Reads the key from the database (blocking) and caches the answer. */
    Optional<Caller> lookUp(String secret) {
        byte[] hash = hash(secret);
        ByteBuffer cacheKey = ByteBuffer.wrap(hash);
        long now = System.nanoTime();
        long seen = generation.get();
        Optional<Caller> caller = tx.executeRead(status -> repository.findByKeyHashAndRevokedAtIsNull(hash))
                .filter(key -> MessageDigest.isEqual(key.keyHash(), hash))
                .map(key -> new Caller(key.workspaceId(), key.id(), key.name(), key.scopeSet()));
        if (cache.size() >= CACHE_MAX) {
            cache.clear(); // bounded even when flooded with unknown keys
        }
        if (generation.get() == seen) {
            cache.put(cacheKey, new Cached(caller, now + cacheTtlNanos));
        }
        return caller;
    }

    public IssuedKey issue(String workspaceId, String name, Set<String> scopes) {
        String secret = newSecret();
        ApiKey stored = tx.executeWrite(status -> repository.insert(workspaceId, newId(), name, hash(secret),
                sorted(scopes)));
        return new IssuedKey(stored, secret);
    }

    /**
     * Makes a configured key exist with these scopes. Restarts find it by hash; the id is random, since an id
     * derived from the hash would let anyone who sees it test guesses of the secret offline. A revoked key stays
     * revoked: returns false then, also when the same secret is configured again under another workspace (the
     * rows are per workspace, and a new workspace name would otherwise make a new, active row of it).
     */
    public boolean ensure(String workspaceId, String name, String secret, Set<String> scopes) {
        byte[] hash = hash(secret);
        if (tx.executeRead(status -> repository.existsByKeyHashAndRevokedAtIsNotNull(hash))) {
            return false;
        }
        boolean active = tx.executeWrite(status -> repository.ensure(workspaceId, newId(), name, hash,
                sorted(scopes))).revokedAt() == null;
        invalidate();
        return active;
    }

    /** Whether any workspace holds an active key: a first run without one has no way in. */
    public boolean anyActive() {
        return tx.executeRead(status -> repository.existsByRevokedAtIsNull());
    }

    /** Active keys of the workspace by id, after {@code afterId} (null: from the start), at most {@code limit}. */
    public List<ApiKey> list(String workspaceId, String afterId, int limit) {
        return tx.executeRead(status -> repository.listActive(workspaceId, afterId, limit));
    }

    public boolean revoke(String workspaceId, String id) {
        boolean revoked = tx.executeWrite(status -> repository.revoke(workspaceId, id)) > 0;
        invalidate(); // revocations are rare; this instance refuses the key from now on
        return revoked;
    }

    static String newId() {
        return RandomTokens.of("key_", 16);
    }

    static String newSecret() {
        return RandomTokens.of("phk_", 40);
    }

    private static String[] sorted(Set<String> scopes) {
        return scopes.stream().sorted().toArray(String[]::new);
    }

    private void invalidate() {
        generation.incrementAndGet();
        cache.clear();
    }

    /* Looking the algorithm up among the security providers cost more than hashing a key (JFR); clones are cheap. */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hash(String secret) {
        try {
            return ((MessageDigest) SHA_256.clone()).digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
