package io.profilehub.destination.ours;

import io.micronaut.context.exceptions.ConfigurationException;
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
 * {@code type: ours}. Options: {@code user-id} (identifier sent as externalId; default our profile id),
 * {@code email} (identifier holding the email; default {@code email}), {@code visitor-id} (identifier holding the
 * Ours visitor id sent as userId; default {@code oursUserId}), {@code mapping.identifiers.*}, {@code mapping.traits.*}.
 */
@Singleton
public class OursConnectorFactory implements ConnectorFactory {
    static final String VISITOR_ID = "visitor-id";
    static final int MAX_TOKEN = 250;

    private final VendorHttp http;
    private final StoredProfiles profiles;

    public OursConnectorFactory(VendorHttp http, StoredProfiles profiles) {
        this.http = http;
        this.profiles = profiles;
    }

    @Override
    public String type() {
        return "ours";
    }

    @Override
    public Set<String> options() {
        return ConnectorOptions.vendorOptions(VISITOR_ID);
    }

    @Override
    public Connector create(DestinationSettings settings) {
        ConnectorOptions options = ConnectorOptions.check(settings, Set.of(VISITOR_ID));
        if (settings.token().length() > MAX_TOKEN) {
            throw new ConfigurationException(options.key("token") + " is longer than the " + MAX_TOKEN
                    + " characters an Ours source token has");
        }
        FieldMapping fields = options.fieldMapping(OursMapping.IDENTIFIER_DEFAULTS, OursMapping.TRAIT_DEFAULTS);
        OursMapping mapping = new OursMapping(fields, options.emailKey(), options.get(VISITOR_ID, "oursUserId"));
        ProfileChanges changes = options.profileChanges(profiles);
        return new OursConnector(settings, http.client(settings), changes, mapping, options.emailKey());
    }
}
