package io.profilehub.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Singleton;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;

/**
 * The one page-token scheme of every listing: base64url JSON (so tokens start with "ey") holding the last (or
 * first) key of a page, signed together with the workspace and the listing it was issued for (its path and
 * filters). A token used with other filters, on another listing, in another workspace, or edited by hand is a 400.
 */
@Singleton
public class PageTokens {
    public enum Direction { AFTER, BEFORE }

    /** Where a page starts: after (or before) the row with this key. */
    public record Cursor(Direction direction, String key) {
    }

    private final PageTokenKey key;
    private final ObjectMapper json;

    public PageTokens(PageTokenKey key, ObjectMapper json) {
        this.key = key;
        this.json = json;
    }

    /**
     * What a token is bound to: the listing's path and its filters as a sorted JSON array of [name, value] pairs,
     * so no choice of names and values can spell another listing's filters (joining "k=v" lines could: a value may
     * hold "\n" and "="). Null filters are left out, as they are from the page URLs.
     */
    public String scope(String path, Map<String, String> filters) {
        var pairs = json.createArrayNode();
        pairs.add(path);
        filters.entrySet().stream().filter(e -> e.getValue() != null).sorted(Map.Entry.comparingByKey())
                .forEach(e -> pairs.addArray().add(e.getKey()).add(e.getValue()));
        return pairs.toString();
    }

    public String issue(String workspaceId, String scope, Cursor cursor) {
        ObjectNode token = json.createObjectNode();
        token.put(cursor.direction() == Direction.AFTER ? "a" : "b", cursor.key());
        token.put("s", sign(workspaceId, scope, cursor));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor a token stands for, or null without one. */
    public Cursor read(String token, String workspaceId, String scope) {
        if (token == null) {
            return null;
        }
        JsonNode node;
        try {
            node = json.readTree(Base64.getUrlDecoder().decode(token));
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
        byte[] expected = sign(workspaceId, scope, cursor).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, node.get("s").textValue().getBytes(StandardCharsets.UTF_8))) {
            throw ProblemException.badRequest("'pageToken' was not issued for this listing: repeat the request "
                    + "with the same filters it came from, or drop it to start from the first page.");
        }
        return cursor;
    }

    private static ProblemException malformed() {
        return ProblemException.badRequest("'pageToken' is malformed; use the nextPageToken or page URLs of a previous answer.");
    }

    private String sign(String workspaceId, String scope, Cursor cursor) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.pageTokenKey(), "HmacSHA256"));
            String message = workspaceId + '\n' + scope + '\n' + cursor.direction() + '\n' + cursor.key();
            byte[] digest = mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
