package io.profilehub.destination.vero;

import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorClient;
import io.profilehub.destination.mapping.ChangeConnector;
import io.profilehub.destination.mapping.Outcomes;
import io.profilehub.destination.mapping.ProfileChange;
import io.profilehub.destination.mapping.ProfileChanges;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Vero: one {@code POST {url}/users/track} per change (Vero has no batch endpoint), authenticated by a query
 * parameter: {@code auth_token}, or {@code tracking_api_key} for Vero 2.0 projects. The URL holds the secret, so it
 * is never logged and the secret is redacted from what Vero answers.
 */
public final class VeroConnector extends ChangeConnector {
    private static final Map<String, String> HEADERS = Map.of("Accept", "application/json");

    private final VeroMapping mapping;
    private final URI endpoint;
    private final URI deleteEndpoint;

    VeroConnector(DestinationSettings settings, VendorClient client, ProfileChanges changes, VeroMapping mapping,
                  String authParameter) {
        super(changes, null, client, settings.token(), URLEncoder.encode(settings.token(), StandardCharsets.UTF_8));
        this.mapping = mapping;
        String auth = "?" + authParameter + "=" + URLEncoder.encode(settings.token(), StandardCharsets.UTF_8);
        this.endpoint = URI.create(settings.url() + "/users/track" + auth);
        this.deleteEndpoint = URI.create(settings.url() + "/users/delete" + auth);
    }

    @Override
    protected List<Outcome> deliver(List<ProfileChange> changes) {
        Outcomes outcomes = new Outcomes(changes.size());
        mapped(changes, mapping::map, outcomes).settleEach(json -> post(endpoint, HEADERS, json));
        return outcomes.list();
    }

    /**
     * {@code POST /users/delete {"id"}}: "all properties and activities will be lost forever". A 404 means Vero
     * holds no such user, which is what an erasure wants.
     */
    @Override
    protected List<Outcome> erase(List<Delivery> erasures) {
        Outcomes outcomes = new Outcomes(erasures.size());
        located(erasures, outcomes).settleEach(this::delete);
        return outcomes.list();
    }

    private Outcome delete(Delivery erasure) {
        Outcome outcome = post(deleteEndpoint, HEADERS, Map.of("id", locatedUserId(erasure)));
        if (outcome.kind() == Outcome.Kind.DEAD && outcome.status() == 404) {
            return Outcome.delivered(404, "erased", "Vero holds no such user");
        }
        return erasure(outcome, "erased", "Vero accepted the deletion (applied asynchronously)");
    }
}
