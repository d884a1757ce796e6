package io.profilehub.destination.vero;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorHttp;
import io.profilehub.destination.mapping.ChangeConnector;
import io.profilehub.destination.mapping.Mapped;
import io.profilehub.destination.mapping.ProfileChange;
import io.profilehub.destination.mapping.ProfileChanges;
import io.profilehub.http.JsonInput;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Vero: one {@code POST {url}/users/track} per change (Vero has no batch endpoint), authenticated by a query
 * parameter: {@code auth_token}, or {@code tracking_api_key} for Vero 2.0 projects. The URL holds the secret, so it
 * is never logged and the secret is redacted from what Vero answers.
 */
public final class VeroConnector extends ChangeConnector {
    private final DestinationSettings settings;
    private final VendorHttp http;
    private final VeroMapping mapping;
    private final URI endpoint;

    VeroConnector(DestinationSettings settings, VendorHttp http, ProfileChanges changes, VeroMapping mapping,
                  String authParameter) {
        super(changes);
        this.settings = settings;
        this.http = http;
        this.mapping = mapping;
        this.endpoint = URI.create(settings.url() + "/users/track?" + authParameter + "="
                + URLEncoder.encode(settings.token(), StandardCharsets.UTF_8));
    }

    @Override
    protected List<Outcome> deliver(List<ProfileChange> changes) {
        List<Outcome> outcomes = new ArrayList<>(changes.size());
        for (ProfileChange change : changes) {
            Mapped mapped = mapping.map(change);
            outcomes.add(mapped.sendable() ? post(mapped) : mapped.outcome());
        }
        return outcomes;
    }

    private Outcome post(Mapped mapped) {
        byte[] body;
        try {
            body = JsonInput.MAPPER.writeValueAsBytes(mapped.json());
        } catch (JsonProcessingException e) {
            return ProfileChanges.refused("the change cannot be written as JSON");
        }
        return http.postAndClassify(endpoint, Map.of("Accept", "application/json"), body, settings.timeout(),
                settings.token(), URLEncoder.encode(settings.token(), StandardCharsets.UTF_8));
    }

    @Override
    protected Outcome erase(Delivery delivery) {
        // Vero's POST /users/delete {id} is where the erasure issue will send this.
        return ProfileChanges.deletionNotSent("vero");
    }
}
