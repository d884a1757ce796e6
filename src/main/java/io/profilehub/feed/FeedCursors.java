package io.profilehub.feed;

import io.profilehub.http.PageTokenKey;
import io.profilehub.http.ProblemException;
import jakarta.inject.Singleton;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Cursors of the feed: a {@link FeedPosition} in base64url, a dot, and its signature — HMAC-SHA256 under the key
 * page tokens are signed with (http/PageTokens), over the workspace, the listing and the position, cut to 22
 * characters as there. Bound to the workspace: another workspace's cursor, or an edited one, is a 400, so a reader
 * can never steer the feed by hand, and a position says nothing that would let one workspace read another's lanes.
 */
@Singleton
class FeedCursors {
    private static final String LISTING = "/changes";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final PageTokenKey key;
    /* Every item of a page is signed: Mac.getInstance and init per cursor were half of a cursor's cost. */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    FeedCursors(PageTokenKey key) {
        this.key = key;
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.pageTokenKey(), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    String issue(String workspaceId, FeedPosition position) {
        String body = ENCODER.encodeToString(position.bytes());
        return body + '.' + sign(workspaceId, body);
    }

    /** The position a cursor stands for; the start of the feed without one. */
    FeedPosition read(String cursor, String workspaceId) {
        if (cursor == null) {
            return FeedPosition.start();
        }
        int dot = cursor.indexOf('.');
        if (dot <= 0 || dot != cursor.lastIndexOf('.')) {
            throw malformed();
        }
        String body = cursor.substring(0, dot);
        byte[] expected = sign(workspaceId, body).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, cursor.substring(dot + 1).getBytes(StandardCharsets.UTF_8))) {
            throw ProblemException.badRequest("'after' is not a cursor of this workspace's feed: it was edited, or "
                    + "another workspace's key was given it. Use a cursor from an answer to this key, or leave "
                    + "'after' out to start from the oldest change.");
        }
        try {
            return FeedPosition.of(Base64.getUrlDecoder().decode(body));
        } catch (IllegalArgumentException e) {
            // Signed by us yet unreadable: only a cursor of a format this version does not know.
            throw malformed();
        }
    }

    private static ProblemException malformed() {
        return ProblemException.badRequest("'after' is malformed; give the cursor of a change or the nextCursor of "
                + "a previous answer, as it was given.");
    }

    private String sign(String workspaceId, String body) {
        // PageTokens signs "workspace\n[scope JSON]\n…": a listing path where its scope has '[' keeps the two apart.
        byte[] digest = macs.get().doFinal((workspaceId + '\n' + LISTING + '\n' + body).getBytes(StandardCharsets.UTF_8));
        return ENCODER.encodeToString(digest).substring(0, 22);
    }
}
