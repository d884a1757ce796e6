package io.profilehub.destination.marketap;

import io.profilehub.destination.Connector;
import io.profilehub.destination.ConnectorFactory;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.VendorHttp;
import io.profilehub.destination.mapping.ConnectorOptions;
import io.profilehub.destination.mapping.FieldMapping;
import io.profilehub.destination.mapping.ProfileChanges;
import io.profilehub.destination.mapping.StoredProfiles;
import jakarta.inject.Singleton;

import java.util.Set;

/**
 * {@code type: marketap}. Options: {@code project-id} (required: every Marketap request names its project),
 * {@code user-id}, {@code email}, {@code mapping.identifiers.*}, {@code mapping.traits.*}.
 */
@Singleton
public class MarketapConnectorFactory implements ConnectorFactory {
    static final String PROJECT_ID = "project-id";

    private final VendorHttp http;
    private final StoredProfiles profiles;

    public MarketapConnectorFactory(VendorHttp http, StoredProfiles profiles) {
        this.http = http;
        this.profiles = profiles;
    }

    @Override
    public String type() {
        return "marketap";
    }

    @Override
    public Set<String> options() {
        return ConnectorOptions.vendorOptions(PROJECT_ID);
    }

    @Override
    public Connector create(DestinationSettings settings) {
        ConnectorOptions options = ConnectorOptions.check(settings, Set.of(PROJECT_ID));
        String projectId = options.required(PROJECT_ID, "set it to the Marketap project the API key belongs to");
        FieldMapping fields = options.fieldMapping(MarketapMapping.IDENTIFIER_DEFAULTS, MarketapMapping.TRAIT_DEFAULTS);
        ProfileChanges changes = options.profileChanges(profiles);
        return new MarketapConnector(settings, http.client(settings), changes, new MarketapMapping(fields), projectId);
    }
}
