package io.profilehub.destination.mapping;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** Reads the current identifiers and traits of a batch of profiles in one query, for {@link ProfileChanges}. */
@Singleton
public class StoredProfiles implements ProfileChanges.Store {
    private static final String LOAD = """
            select id, identifiers::text, traits::text from profiles where workspace_id = ? and id = any(?)
            """;

    private final TransactionOperations<Connection> tx;
    /* Stored numbers keep their digits (1.10 stays 1.10 on its way to a vendor). */
    private final ObjectReader json;

    public StoredProfiles(TransactionOperations<Connection> tx, ObjectMapper json) {
        this.tx = tx;
        this.json = json.reader(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    }

    @Override
    public Map<String, ProfileChanges.Stored> load(String workspaceId, Collection<String> profileIds) {
        return tx.executeRead(status -> {
            Connection c = status.getConnection();
            Map<String, ProfileChanges.Stored> found = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(LOAD)) {
                ps.setString(1, workspaceId);
                ps.setArray(2, c.createArrayOf("text", profileIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.put(rs.getString(1), new ProfileChanges.Stored(object(rs.getString(2)),
                                object(rs.getString(3))));
                    }
                }
            }
            return found;
        });
    }

    private ObjectNode object(String text) throws SQLException {
        try {
            return (ObjectNode) json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored profile is not JSON", e);
        }
    }
}
