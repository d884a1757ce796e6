package io.profilehub.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

import java.time.Instant;
import java.util.Set;

/**
 * A row of {@code api_keys}: only the SHA-256 of the secret is stored. The table's key is (workspace_id, id); ids
 * are random, and every query names the workspace as well, so {@code id} stands for the row here. The table is
 * not qualified with a schema: the pool's connections have {@code profilehub.schema} as theirs.
 */
@MappedEntity("api_keys")
public record ApiKey(String workspaceId, @Id String id, String name, byte[] keyHash, String[] scopes,
                     Instant createdAt, @Nullable Instant revokedAt) {

    public Set<String> scopeSet() {
        return Set.of(scopes);
    }
}
