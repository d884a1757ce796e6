package io.profilehub.outbox;

import io.micronaut.context.annotation.Requires;
import io.profilehub.destination.Connector;
import io.profilehub.destination.ConnectorFactory;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.VendorHttp;
import io.profilehub.destination.webhook.WebhookConnector;
import jakarta.inject.Singleton;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Destination type "exploding" (only where a test switches it on): a webhook whose connector throws an
 * {@link OutOfMemoryError} the first time it is handed a profile with the trait {@code explode}, as a worker that ran
 * out of heap would see it; after that it sends like a webhook.
 */
@Singleton
@Requires(property = "test.exploding-connector", value = "true")
class ExplodingConnectorFactory implements ConnectorFactory {
    static final AtomicInteger EXPLOSIONS = new AtomicInteger();
    private final VendorHttp http;

    ExplodingConnectorFactory(VendorHttp http) {
        this.http = http;
    }

    @Override
    public String type() {
        return "exploding";
    }

    @Override
    public Set<String> options() {
        return Set.of();
    }

    @Override
    public Connector create(DestinationSettings settings) {
        WebhookConnector webhook = new WebhookConnector(settings, http.client(settings));
        return deliveries -> {
            boolean explode = deliveries.stream().anyMatch(d -> !d.isDelete() && d.traits().has("explode"));
            if (explode && EXPLOSIONS.getAndIncrement() == 0) {
                throw new OutOfMemoryError("simulated by the test: Java heap space");
            }
            return webhook.send(deliveries);
        };
    }
}
