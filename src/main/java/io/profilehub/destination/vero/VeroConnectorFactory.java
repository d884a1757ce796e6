package io.profilehub.destination.vero;

import io.profilehub.destination.Connector;
import io.profilehub.destination.ConnectorFactory;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.VendorHttp;
import io.profilehub.destination.mapping.ConnectorOptions;
import io.profilehub.destination.mapping.FieldMapping;
import io.profilehub.destination.mapping.ProfileChanges;
import io.profilehub.destination.mapping.StoredProfiles;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;

/**
 * {@code type: vero}. Options: {@code auth} ({@code auth-token}, the default, sends the token as
 * {@code ?auth_token=}; {@code tracking-api-key} sends it as {@code ?tracking_api_key=} for Vero 2.0 projects),
 * {@code user-id}, {@code email}, {@code mapping.identifiers.*}, {@code mapping.traits.*}.
 */
@Singleton
public class VeroConnectorFactory implements ConnectorFactory {
    private static final Logger LOG = LoggerFactory.getLogger(VeroConnectorFactory.class);
    static final String AUTH = "auth";
    static final Map<String, String> AUTH_PARAMETERS = Map.of("auth-token", "auth_token",
            "tracking-api-key", "tracking_api_key");

    private final VendorHttp http;
    private final StoredProfiles profiles;

    public VeroConnectorFactory(VendorHttp http, StoredProfiles profiles) {
        this.http = http;
        this.profiles = profiles;
    }

    @Override
    public String type() {
        return "vero";
    }

    @Override
    public Set<String> options() {
        return ConnectorOptions.vendorOptions(AUTH);
    }

    @Override
    public Connector create(DestinationSettings settings) {
        ConnectorOptions options = ConnectorOptions.check(settings, Set.of(AUTH));
        String auth = options.choice(AUTH, "auth-token", AUTH_PARAMETERS.keySet());
        if (!"https".equals(settings.url().getScheme())) {
            LOG.warn("Destination {}: Vero takes HTTPS only, and the token travels in the URL; {} is plain HTTP",
                    settings.name(), settings.url());
        }
        FieldMapping fields = options.fieldMapping(VeroMapping.IDENTIFIER_DEFAULTS, VeroMapping.TRAIT_DEFAULTS);
        ProfileChanges changes = options.profileChanges(profiles);
        return new VeroConnector(settings, http.client(settings), changes, new VeroMapping(fields, options.emailKey()),
                AUTH_PARAMETERS.get(auth));
    }
}
