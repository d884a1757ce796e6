package io.profilehub.destination.mapping;

import io.profilehub.destination.Connector;
import io.profilehub.destination.ConnectorFactory;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.VendorClient;
import io.profilehub.destination.VendorHttp;

import java.util.Set;

/**
 * The common frame of the vendor types' factories: a vendor type knows its own option keys besides the mapping keys
 * every vendor takes, refuses any other, and builds its connector from the checked options, the destination's own
 * {@link VendorClient} and the stored profiles.
 */
public abstract class VendorConnectorFactory implements ConnectorFactory {
    private final String type;
    private final Set<String> own;
    private final VendorHttp http;
    protected final StoredProfiles profiles;

    protected VendorConnectorFactory(String type, VendorHttp http, StoredProfiles profiles, String... own) {
        this.type = type;
        this.own = Set.of(own);
        this.http = http;
        this.profiles = profiles;
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final Set<String> options() {
        return ConnectorOptions.vendorOptions(own.toArray(String[]::new));
    }

    @Override
    public final Connector create(DestinationSettings settings) {
        ConnectorOptions options = ConnectorOptions.check(settings, own);
        return create(settings, options, http.client(settings));
    }

    /** The connector of a destination whose options are known to be this type's; {@code client} is its own. */
    protected abstract Connector create(DestinationSettings settings, ConnectorOptions options, VendorClient client);
}
