package io.profilehub.destination.webhook;

import io.profilehub.destination.Connector;
import io.profilehub.destination.ConnectorFactory;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.VendorHttp;
import jakarta.inject.Singleton;

import java.util.Set;

@Singleton
public class WebhookConnectorFactory implements ConnectorFactory {
    private final VendorHttp http;

    public WebhookConnectorFactory(VendorHttp http) {
        this.http = http;
    }

    @Override
    public String type() {
        return "webhook";
    }

    /** A webhook receives the whole event as it is: it takes no options beyond the common keys. */
    @Override
    public Set<String> options() {
        return Set.of();
    }

    @Override
    public Connector create(DestinationSettings settings) {
        return new WebhookConnector(settings, http.client(settings));
    }
}
