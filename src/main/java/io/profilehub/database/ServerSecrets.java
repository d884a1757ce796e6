package io.profilehub.database;

import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Secrets every instance must share (page-token signing, suppression hashes). The first instance to ask creates one
 * at random and stores it; the others read the same row, so no operator has to configure it.
 */
@Singleton
public class ServerSecrets {
    private static final String UPSERT = """
            with inserted as (
                insert into server_secrets (name, secret) values (?, ?) on conflict (name) do nothing returning secret
            )
            select secret from inserted union all select secret from server_secrets where name = ?
            """;

    private final TransactionOperations<Connection> tx;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    public ServerSecrets(TransactionOperations<Connection> tx) {
        this.tx = tx;
    }

    public byte[] get(String name) {
        return cache.computeIfAbsent(name, this::load);
    }

    private byte[] load(String name) {
        byte[] fresh = new byte[32];
        random.nextBytes(fresh);
        return tx.executeWrite(status -> {
            Connection c = status.getConnection();
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                ps.setString(1, name);
                ps.setBytes(2, fresh);
                ps.setString(3, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBytes(1);
                }
            }
        });
    }
}
