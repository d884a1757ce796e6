package io.profilehub.erasure;

import io.profilehub.database.ServerSecrets;
import io.profilehub.profile.IdentityKey;
import jakarta.inject.Singleton;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * Keyed hashes of erased unique-key values. HMAC under a server secret, never a plain hash: the values (emails,
 * phone numbers) are guessable, so only the holder of the secret can test one against the list.
 */
@Singleton
public class Suppressions {
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
}
