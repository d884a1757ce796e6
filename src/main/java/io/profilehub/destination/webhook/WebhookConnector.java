package io.profilehub.destination.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorClient;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * POSTs each event as JSON to the configured URL, signed with HMAC-SHA256 of the exact body under the token:
 * {@code X-ProfileHub-Signature: sha256=<hex>}. {@code X-ProfileHub-Delivery} names the profile version the event
 * brings, so a receiver can drop the duplicates at-least-once delivery may cause.
 */
public final class WebhookConnector implements Connector {
    public static final String SIGNATURE_HEADER = "X-ProfileHub-Signature";

    private final DestinationSettings settings;
    private final VendorClient client;

    public WebhookConnector(DestinationSettings settings, VendorClient client) {
        this.settings = settings;
        this.client = client;
    }

    @Override
    public List<Outcome> send(List<Delivery> deliveries) {
        return deliveries.stream().map(this::sendOne).toList();
    }

    private Outcome sendOne(Delivery delivery) {
        ObjectNode event = delivery.document();
        byte[] body = event.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = Map.of(
                SIGNATURE_HEADER, "sha256=" + sign(settings.token(), body),
                "X-ProfileHub-Delivery", delivery.workspaceId() + ":" + delivery.profileId() + ":"
                        + event.path("version").asText());
        return client.send(settings.url(), headers, body, settings.token());
    }

    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
