package io.profilehub.auth;

import io.profilehub.http.Timestamps;
import jakarta.inject.Singleton;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

@Singleton
public class ApiKeyRepository {
    public record StoredKey(String workspaceId, String id, String name, byte[] hash, Set<String> scopes,
                            String createdAt) {
    }

    private static final String FIND_ACTIVE = """
            select workspace_id, id, name, key_hash, scopes, created_at from api_keys
             where key_hash = ? and revoked_at is null
            """;
    private static final String INSERT = """
            insert into api_keys (workspace_id, id, name, key_hash, scopes) values (?, ?, ?, ?, ?)
            returning workspace_id, id, name, key_hash, scopes, created_at
            """;
    /*
     * Bootstrap keys are made to exist with exactly the configured scopes, however often the service restarts, but
     * a revocation sticks: a key revoked through the API must not come back with the next restart.
     */
    private static final String ENSURE = """
            insert into api_keys (workspace_id, id, name, key_hash, scopes) values (?, ?, ?, ?, ?)
            on conflict (workspace_id, key_hash) do update set scopes = excluded.scopes
            returning revoked_at is null
            """;
    private static final String ANY_ACTIVE = "select exists (select 1 from api_keys where revoked_at is null)";
    private static final String LIST = """
            select workspace_id, id, name, key_hash, scopes, created_at from api_keys
             where workspace_id = ? and revoked_at is null and id > coalesce(?, '') order by id limit ?
            """;
    private static final String REVOKE = """
            update api_keys set revoked_at = now() where workspace_id = ? and id = ? and revoked_at is null
            """;

    public Optional<StoredKey> findActive(Connection c, byte[] hash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_ACTIVE)) {
            ps.setBytes(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    public StoredKey insert(Connection c, String workspaceId, String id, String name, byte[] hash,
                            Set<String> scopes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(c, ps, workspaceId, id, name, hash, scopes);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return read(rs);
            }
        }
    }

    /** Returns whether the key is active (false: it was revoked, and stays so). */
    public boolean ensure(Connection c, String workspaceId, String id, String name, byte[] hash, Set<String> scopes)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ENSURE)) {
            bind(c, ps, workspaceId, id, name, hash, scopes);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    public boolean anyActive(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ANY_ACTIVE); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    public List<StoredKey> list(Connection c, String workspaceId, String afterId, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LIST)) {
            ps.setString(1, workspaceId);
            ps.setString(2, afterId);
            ps.setInt(3, limit);
            List<StoredKey> keys = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(read(rs));
                }
            }
            return keys;
        }
    }

    public boolean revoke(Connection c, String workspaceId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REVOKE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            return ps.executeUpdate() > 0;
        }
    }

    private static void bind(Connection c, PreparedStatement ps, String workspaceId, String id, String name,
                             byte[] hash, Set<String> scopes) throws SQLException {
        ps.setString(1, workspaceId);
        ps.setString(2, id);
        ps.setString(3, name);
        ps.setBytes(4, hash);
        ps.setArray(5, c.createArrayOf("text", scopes.stream().sorted().toArray()));
    }

    private static StoredKey read(ResultSet rs) throws SQLException {
        Array scopes = rs.getArray(5);
        return new StoredKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                Set.of((String[]) scopes.getArray()), Timestamps.iso(rs.getTimestamp(6)));
    }
}
