package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import io.profilehub.http.JsonInput;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** First answers to requests sent with an Idempotency-Key, so a retried request gets the same answer. */
@Singleton
public class IdempotencyStore {
    public record Stored(String request, int status, JsonNode body) {
    }

    private static final String FIND = "select request, status, body::text from idempotency_keys where workspace_id = ? and key = ?";
    private static final String SAVE = """
            insert into idempotency_keys (workspace_id, key, request, status, body) values (?, ?, ?, ?, ?::jsonb)
            on conflict do nothing
            """;

    public Optional<Stored> find(Connection c, String workspaceId, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, workspaceId);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Stored(rs.getString(1), rs.getInt(2), JsonInput.MAPPER.readTree(rs.getString(3))));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException(e);
        }
    }

    public void save(Connection c, String workspaceId, String key, String request, int status, String body)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SAVE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, key);
            ps.setString(3, request);
            ps.setInt(4, status);
            ps.setString(5, body);
            ps.executeUpdate();
        }
    }
}
