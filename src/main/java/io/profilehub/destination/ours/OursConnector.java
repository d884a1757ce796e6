package io.profilehub.destination.ours;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorClient;
import io.profilehub.destination.mapping.ChangeConnector;
import io.profilehub.destination.mapping.Outcomes;
import io.profilehub.destination.mapping.ProfileChange;
import io.profilehub.destination.mapping.ProfileChanges;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Ours Privacy: one {@code POST {url}/identify} per change. Ours has no auth header; the source token travels in
 * the body, so it is redacted from anything the vendor answers before that is kept.
 */
public final class OursConnector extends ChangeConnector {
    private static final Map<String, String> HEADERS = Map.of("Accept", "application/json");

    private final DestinationSettings settings;
    private final OursMapping mapping;
    private final URI endpoint;

    OursConnector(DestinationSettings settings, VendorClient client, ProfileChanges changes, OursMapping mapping,
                  String emailKey) {
        super(changes, emailKey, client, settings.token());
        this.settings = settings;
        this.mapping = mapping;
        this.endpoint = URI.create(settings.url() + "/identify");
    }

    @Override
    protected List<Outcome> deliver(List<ProfileChange> changes) {
        Outcomes outcomes = new Outcomes(changes.size());
        mapped(changes, mapping::map, outcomes).settleEach(this::identify);
        return outcomes.list();
    }

    private Outcome identify(ObjectNode mapped) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("token", settings.token());
        body.setAll(mapped);
        return post(endpoint, HEADERS, body);
    }

    /**
     * Ours has no deletion endpoint. What its API allows: find the visitor by externalId and email and set every
     * top-level property to null (Ours clears those). Custom properties ignore null and cannot be cleared.
     */
    @Override
    protected List<Outcome> erase(List<Delivery> erasures) {
        Outcomes outcomes = new Outcomes(erasures.size());
        located(erasures, outcomes).settleEach(this::scrub);
        return outcomes.list();
    }

    private Outcome scrub(Delivery erasure) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("externalId", locatedUserId(erasure));
        String email = locatedEmail(erasure);
        if (email != null) {
            body.put("email", email);
        }
        ObjectNode properties = body.putObject("userProperties");
        OursMapping.RESERVED.stream().sorted().forEach(properties::putNull);
        return erasure(identify(body), "scrubbed", "top-level properties cleared with null; Ours offers no deletion "
                + "and ignores null in custom_properties, so custom properties remain: ask Ours support to delete "
                + "the visitor");
    }
}
