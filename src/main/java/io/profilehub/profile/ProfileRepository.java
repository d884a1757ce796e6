package io.profilehub.profile;

import io.profilehub.http.Timestamps;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.JsonInput;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;

/** Reads a profile, and maps the rows of profiles for the other repositories; writes are in {@link ProfileBatchRepository}. */
@Singleton
public class ProfileRepository {
    static final String COLUMNS = "id, workspace_id, identifiers::text, traits::text, created_at, updated_at, version";

    private static final String FIND = "select " + COLUMNS + " from profiles where workspace_id = ? and id = ?";

    public Optional<Profile> find(Connection c, String workspaceId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    static Profile read(ResultSet rs) throws SQLException {
        return new Profile(rs.getString(1), rs.getString(2), object(rs.getString(3)), object(rs.getString(4)),
                iso(rs.getTimestamp(5)), iso(rs.getTimestamp(6)), rs.getLong(7));
    }

    static String iso(Timestamp ts) {
        return Timestamps.iso(ts);
    }

    static ObjectNode object(String json) throws SQLException {
        try {
            return (ObjectNode) JsonInput.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored document is not JSON", e);
        }
    }
}
