package io.profilehub.erasure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Connector;
import io.profilehub.destination.ConnectorRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.profilehub.outbox.SealedFields;
import jakarta.inject.Singleton;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * The event that removes one user at one destination: erasure sends it to every destination, a merge sends it for
 * the absorbed user. What the vendor needs to find the user (its locator) travels sealed until delivered.
 */
@Singleton
public class RemovalEvents {
    private final ConnectorRegistry connectors;
    private final SealedFields sealer;
    private final ObjectMapper objectMapper;

    public RemovalEvents(ConnectorRegistry connectors, SealedFields sealer, ObjectMapper objectMapper) {
        this.connectors = connectors;
        this.sealer = sealer;
        this.objectMapper = objectMapper;
    }

    /** What {@code destination}'s vendor needs to find the user, taken from the identifiers; empty when nothing. */
    public Map<String, String> locator(String destination, String userId, ObjectNode identifiers) {
        return connectors.get(destination).map(conn -> conn.erasureLocator(userId, identifiers)).orElse(Map.of());
    }

    /** Whether {@code destination}'s vendor can delete a user at all (else the user remains there). */
    public boolean deletes(String destination) {
        return connectors.get(destination).map(Connector::deletes).orElse(true);
    }

    /** The removal event for one destination; {@code extra} members (may be null) are added to it. */
    public String event(String workspaceId, String userId, long version, Map<String, String> locator,
                        ObjectNode extra) {
        ObjectNode event = objectMapper.createObjectNode()
                .put("type", "profile.erase").put("profileId", userId).put("workspaceId", workspaceId)
                .put("version", version)
                .put("occurredAt", OffsetDateTime.now(ZoneOffset.UTC).toString());
        if (extra != null) {
            event.setAll(extra);
        }
        if (!locator.isEmpty()) {
            event.put("sealed", sealer.seal(locator));
        }
        return event.toString();
    }
}
