package io.profilehub.destination.vero;

import io.profilehub.destination.Connector;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.VendorClient;
import io.profilehub.destination.VendorHttp;
import io.profilehub.destination.mapping.ConnectorOptions;
import io.profilehub.destination.mapping.FieldMapping;
import io.profilehub.destination.mapping.ProfileChanges;
import io.profilehub.destination.mapping.StoredProfiles;
import io.profilehub.destination.mapping.VendorConnectorFactory;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * {@code type: vero}. Options: {@code auth} ({@code auth-token}, the default, sends the token as
 * {@code ?auth_token=}; {@code tracking-api-key} sends it as {@code ?tracking_api_key=} for Vero 2.0 projects),
 * {@code user-id}, {@code email}, {@code mapping.identifiers.*}, {@code mapping.traits.*}.
 */
@Singleton
public class VeroConnectorFactory extends VendorConnectorFactory {
    private static final Logger LOG = LoggerFactory.getLogger(VeroConnectorFactory.class);
    static final String AUTH = "auth";
    static final Map<String, String> AUTH_PARAMETERS = Map.of("auth-token", "auth_token",
            "tracking-api-key", "tracking_api_key");

    public VeroConnectorFactory(VendorHttp http, StoredProfiles profiles) {
        super("vero", http, profiles, AUTH);
    }

    @Override
    protected Connector create(DestinationSettings settings, ConnectorOptions options, VendorClient client) {
        String auth = options.choice(AUTH, "auth-token", AUTH_PARAMETERS.keySet());
        if (!"https".equals(settings.url().getScheme())) {
            LOG.warn("Destination {}: Vero takes HTTPS only, and the token travels in the URL; {} is plain HTTP",
                    settings.name(), settings.url());
        }
        FieldMapping fields = options.fieldMapping(VeroMapping.IDENTIFIER_DEFAULTS, VeroMapping.TRAIT_DEFAULTS);
        ProfileChanges changes = options.profileChanges(profiles);
        return new VeroConnector(settings, client, changes, new VeroMapping(fields, options.emailKey()),
                AUTH_PARAMETERS.get(auth));
    }
}
