package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.database.ServerSecrets;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;
import jakarta.inject.Singleton;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Opaque keyset page tokens: base64url JSON (so they start with "ey") holding the last or first id of a page,
 * signed together with the workspace and the filters they were issued for. A token used with other filters, in
 * another workspace, or edited by hand is refused.
 */
@Singleton
public class PageToken {
    public enum Direction { AFTER, BEFORE }

    public record Cursor(Direction direction, String id) {
    }

    private final ServerSecrets secrets;

    public PageToken(ServerSecrets secrets) {
        this.secrets = secrets;
    }

    public String issue(String workspaceId, String filterKey, Cursor cursor) {
        ObjectNode token = JsonInput.MAPPER.createObjectNode();
        token.put(cursor.direction() == Direction.AFTER ? "a" : "b", cursor.id());
        token.put("s", sign(workspaceId, filterKey, cursor));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token.toString().getBytes(StandardCharsets.UTF_8));
    }

    public Cursor read(String token, String workspaceId, String filterKey) {
        JsonNode node;
        try {
            node = JsonInput.MAPPER.readTree(Base64.getUrlDecoder().decode(token));
        } catch (Exception e) {
            throw malformed();
        }
        if (node == null || !node.isObject() || !node.path("s").isTextual()) {
            throw malformed();
        }
        Cursor cursor;
        if (node.path("a").isTextual()) {
            cursor = new Cursor(Direction.AFTER, node.get("a").textValue());
        } else if (node.path("b").isTextual()) {
            cursor = new Cursor(Direction.BEFORE, node.get("b").textValue());
        } else {
            throw malformed();
        }
        byte[] expected = sign(workspaceId, filterKey, cursor).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, node.get("s").textValue().getBytes(StandardCharsets.UTF_8))) {
            throw ProblemException.badRequest("'pageToken' was not issued for this search: repeat the query "
                    + "with the same filters it came from, or drop it to start from the first page.");
        }
        return cursor;
    }

    private static ProblemException malformed() {
        return ProblemException.badRequest("'pageToken' is malformed; use the nextPageToken or page URLs of a previous answer.");
    }

    private String sign(String workspaceId, String filterKey, Cursor cursor) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secrets.get("page-token"), "HmacSHA256"));
            String message = workspaceId + '\n' + filterKey + '\n' + cursor.direction() + '\n' + cursor.id();
            byte[] digest = mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
