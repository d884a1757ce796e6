package io.profilehub.destination.thrivestack;

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

import java.util.Map;
import java.util.Set;

/**
 * {@code type: thrivestack}. Options: {@code auth} ({@code bearer}, the default, sends
 * {@code Authorization: Bearer <token>}; {@code x-api-key} sends {@code x-api-key: <token>} as Thrivestack's newer
 * API keys want), {@code user-id}, {@code email}, {@code mapping.identifiers.*}, {@code mapping.traits.*}.
 */
@Singleton
public class ThrivestackConnectorFactory extends VendorConnectorFactory {
    static final String AUTH = "auth";

    public ThrivestackConnectorFactory(VendorHttp http, StoredProfiles profiles) {
        super("thrivestack", http, profiles, AUTH);
    }

    @Override
    protected Connector create(DestinationSettings settings, ConnectorOptions options, VendorClient client) {
        String auth = options.choice(AUTH, "bearer", Set.of("bearer", "x-api-key"));
        Map<String, String> headers = auth.equals("bearer")
                ? Map.of("Authorization", "Bearer " + settings.token())
                : Map.of("x-api-key", settings.token());
        FieldMapping fields = options.fieldMapping(ThrivestackMapping.IDENTIFIER_DEFAULTS, ThrivestackMapping.TRAIT_DEFAULTS);
        ProfileChanges changes = options.profileChanges(profiles);
        return new ThrivestackConnector(settings, client, changes, new ThrivestackMapping(fields), headers,
                ThrivestackConnector.MAX_BYTES);
    }
}
