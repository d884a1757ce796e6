package io.profilehub.destination.marketap;

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
 * {@code type: marketap}. Options: {@code project-id} (required: every Marketap request names its project),
 * {@code user-id}, {@code email}, {@code mapping.identifiers.*}, {@code mapping.traits.*}.
 */
@Singleton
public class MarketapConnectorFactory extends VendorConnectorFactory {
    static final String PROJECT_ID = "project-id";

    public MarketapConnectorFactory(VendorHttp http, StoredProfiles profiles) {
        super("marketap", http, profiles, PROJECT_ID);
    }

    @Override
    protected Connector create(DestinationSettings settings, ConnectorOptions options, VendorClient client) {
        String projectId = options.required(PROJECT_ID, "set it to the Marketap project the API key belongs to");
        FieldMapping fields = options.fieldMapping(MarketapMapping.IDENTIFIER_DEFAULTS, MarketapMapping.TRAIT_DEFAULTS);
        ProfileChanges changes = options.profileChanges(profiles);
        return new MarketapConnector(settings, client, changes, new MarketapMapping(fields), projectId);
    }
}
