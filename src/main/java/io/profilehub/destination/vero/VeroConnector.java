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
    private final URI deleteEndpoint;

    VeroConnector(DestinationSettings settings, VendorHttp http, ProfileChanges changes, VeroMapping mapping,
                  String authParameter) {
        super(changes, null);
        this.settings = settings;
        this.http = http;
        this.mapping = mapping;
        String auth = "?" + authParameter + "=" + URLEncoder.encode(settings.token(), StandardCharsets.UTF_8);
        this.endpoint = URI.create(settings.url() + "/users/track" + auth);
        this.deleteEndpoint = URI.create(settings.url() + "/users/delete" + auth);
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
        return post(endpoint, mapped.json());
    }

    private Outcome post(URI uri, Object json) {
        byte[] body;
        try {
            body = JsonInput.MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            return ProfileChanges.refused("the change cannot be written as JSON");
        }
        return http.postAndClassify(uri, Map.of("Accept", "application/json"), body, settings.timeout(),
                settings.token(), URLEncoder.encode(settings.token(), StandardCharsets.UTF_8));
    }

    /**
     * {@code POST /users/delete {"id"}}: "all properties and activities will be lost forever". A 404 means Vero
     * holds no such user, which is what an erasure wants.
     */
    @Override
    protected List<Outcome> erase(List<Delivery> erasures) {
        List<Outcome> outcomes = new ArrayList<>(erasures.size());
        for (Delivery erasure : erasures) {
            String userId = locatedUserId(erasure);
            if (userId == null) {
                outcomes.add(neverSent());
                continue;
            }
            Outcome outcome = post(deleteEndpoint, Map.of("id", userId));
            if (outcome.kind() == Outcome.Kind.DELIVERED) {
                outcome = Outcome.delivered(outcome.status(), "erased", "Vero accepted the deletion (applied asynchronously)");
            } else if (outcome.kind() == Outcome.Kind.DEAD && outcome.status() == 404) {
                outcome = Outcome.delivered(404, "erased", "Vero holds no such user");
            }
            outcomes.add(outcome);
        }
        return outcomes;
    }
}
