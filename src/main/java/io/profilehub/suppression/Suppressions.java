package io.profilehub.suppression;

import io.profilehub.database.ServerSecrets;
import io.profilehub.http.ProblemException;
import io.profilehub.identity.IdentityKey;
import jakarta.inject.Singleton;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The suppression list: keyed hashes of erased unique-key values that must not be created again. HMAC under a
 * server secret, never a plain hash: the values (emails, phone numbers) are guessable, so only the holder of the
 * secret can test one against the list.
 */
@Singleton
public class Suppressions {
    private static final String FIND = """
            select hash from suppressions where workspace_id = ? and hash = any(?::text[])
            """;
    private static final String LIFT = "delete from suppressions where workspace_id = ? and hash = ?";

    private final ServerSecrets secrets;

    public Suppressions(ServerSecrets secrets) {
        this.secrets = secrets;
    }

    public String hash(String workspaceId, IdentityKey key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secrets.get("suppression"), "HmacSHA256"));
            String message = workspaceId + '\n' + key.name() + '\n' + key.value();
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys among {@code keys} that belong to erased, suppressed people, with their hashes. */
    public Map<IdentityKey, String> suppressed(Connection c, String workspaceId, Collection<IdentityKey> keys)
            throws SQLException {
        Map<IdentityKey, String> hits = new HashMap<>();
        if (keys.isEmpty()) {
            return hits;
        }
        Map<String, IdentityKey> byHash = new HashMap<>();
        keys.forEach(k -> byHash.put(hash(workspaceId, k), k));
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, workspaceId);
            ps.setArray(2, c.createArrayOf("text", byHash.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    hits.put(byHash.get(rs.getString(1)), rs.getString(1));
                }
            }
        }
        return hits;
    }

    public boolean lift(Connection c, String workspaceId, String hash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LIFT)) {
            ps.setString(1, workspaceId);
            ps.setString(2, hash);
            return ps.executeUpdate() > 0;
        }
    }

    /** The answer to a write that would re-create a suppressed person. */
    public static ProblemException refusal(Collection<String> hashes) {
        return ProblemException.conflict("These identifiers belong to a person who was erased and asked not to "
                + "be re-created; nothing was written. An admin can lift the suppression with "
                + "DELETE /suppressions/{hash}.", Map.of("suppressions", List.copyOf(hashes)));
    }
}
