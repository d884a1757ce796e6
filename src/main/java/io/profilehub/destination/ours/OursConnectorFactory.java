package io.profilehub.destination.ours;

import io.micronaut.context.exceptions.ConfigurationException;
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


/**
 * {@code type: ours}. Options: {@code user-id} (identifier sent as externalId; default our profile id),
 * {@code email} (identifier holding the email; default {@code email}), {@code visitor-id} (identifier holding the
 * Ours visitor id sent as userId; default {@code oursUserId}), {@code mapping.identifiers.*}, {@code mapping.traits.*}.
 */
@Singleton
public class OursConnectorFactory extends VendorConnectorFactory {
    static final String VISITOR_ID = "visitor-id";
    static final int MAX_TOKEN = 250;

    public OursConnectorFactory(VendorHttp http, StoredProfiles profiles) {
        super("ours", http, profiles, VISITOR_ID);
    }

    @Override
    protected Connector create(DestinationSettings settings, ConnectorOptions options, VendorClient client) {
        if (settings.token().length() > MAX_TOKEN) {
            throw new ConfigurationException(options.key("token") + " is longer than the " + MAX_TOKEN
                    + " characters an Ours source token has");
        }
        FieldMapping fields = options.fieldMapping(OursMapping.IDENTIFIER_DEFAULTS, OursMapping.TRAIT_DEFAULTS);
        OursMapping mapping = new OursMapping(fields, options.emailKey(), options.get(VISITOR_ID, "oursUserId"));
        ProfileChanges changes = options.profileChanges(profiles);
        return new OursConnector(settings, client, changes, mapping, options.emailKey());
    }
}
