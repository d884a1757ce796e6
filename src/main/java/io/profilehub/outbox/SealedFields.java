package io.profilehub.outbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.profilehub.database.ServerSecrets;
import jakarta.inject.Singleton;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * Encrypts the few personal values an erasure event must carry (the vendor's user id, an email) with AES-256-GCM
 * under a server secret, so an undelivered or dead erasure can be sent again without the plain values ever being
 * stored. The sealed blob is dropped when the event is delivered.
 */
@Singleton
public class SealedFields {
    private static final int IV_BYTES = 12;
    private final ServerSecrets secrets;
    private final ObjectMapper objectMapper;
    private final SecureRandom random = new SecureRandom();

    public SealedFields(ServerSecrets secrets, ObjectMapper objectMapper) {
        this.secrets = secrets;
        this.objectMapper = objectMapper;
    }

    public String seal(Map<String, String> values) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(128, iv));
            byte[] sealed = cipher.doFinal(objectMapper.writeValueAsBytes(values));
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array());
        } catch (Exception e) {
            throw new IllegalStateException("could not seal erasure fields", e);
        }
    }

    public Map<String, String> unseal(String sealed) {
        try {
            byte[] all = Base64.getDecoder().decode(sealed);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(128, all, 0, IV_BYTES));
            byte[] plain = cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES);
            return objectMapper.readValue(plain, new TypeReference<Map<String, String>>() { });
        } catch (Exception e) {
            throw new IllegalStateException("could not unseal erasure fields", e);
        }
    }

    private SecretKeySpec key() throws GeneralSecurityException {
        return new SecretKeySpec(secrets.get("erasure-sealing"), "AES");
    }
}
