package io.profilehub.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.List;
import java.util.Optional;

/** API keys. Callers run these inside their own transactions ({@link ApiKeys}). */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface ApiKeyRepository extends GenericRepository<ApiKey, String> {

    Optional<ApiKey> findByKeyHashAndRevokedAtIsNull(byte[] keyHash);

    /** Whether any workspace holds an active key. */
    boolean existsByRevokedAtIsNull();

    /** Whether this secret was revoked in any workspace: a revocation is of the secret, wherever it is configured. */
    boolean existsByKeyHashAndRevokedAtIsNotNull(byte[] keyHash);

    /* created_at is PostgreSQL's now(), as for every other table, hence the RETURNING instead of a save(). */
    @Query("""
            insert into api_keys (workspace_id, id, name, key_hash, scopes)
            values (:workspaceId, :id, :name, :keyHash, :scopes)
            returning *
            """)
    ApiKey insert(String workspaceId, String id, String name, byte[] keyHash, String[] scopes);

    /*
     * Bootstrap keys are made to exist with exactly the configured scopes, however often the service restarts, but
     * a revocation sticks: a key revoked through the API must not come back with the next restart (the row
     * returned then has its revoked_at).
     */
    @Query("""
            insert into api_keys (workspace_id, id, name, key_hash, scopes)
            values (:workspaceId, :id, :name, :keyHash, :scopes)
            on conflict (workspace_id, key_hash) do update set scopes = excluded.scopes
            returning *
            """)
    ApiKey ensure(String workspaceId, String id, String name, byte[] keyHash, String[] scopes);

    /** Active keys of the workspace by id, after {@code afterId} (null: from the start), at most {@code limit}. */
    @Query("""
            select * from api_keys
             where workspace_id = :workspaceId and revoked_at is null and id > coalesce(:afterId, '')
             order by id limit :limit
            """)
    List<ApiKey> listActive(String workspaceId, @Nullable String afterId, int limit);

    /** Returns the number of keys revoked: 0 when no active key has this id in the workspace. */
    @Query("update api_keys set revoked_at = now() where workspace_id = :workspaceId and id = :id and revoked_at is null")
    int revoke(String workspaceId, String id);
}
