package io.profilehub.destination.ours;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ours Privacy: one {@code POST {url}/identify} per change. Ours has no auth header; the source token travels in
 * the body, so it is redacted from anything the vendor answers before that is kept.
 */
public final class OursConnector extends ChangeConnector {
    private final DestinationSettings settings;
    private final VendorHttp http;
    private final OursMapping mapping;
    private final URI endpoint;

    OursConnector(DestinationSettings settings, VendorHttp http, ProfileChanges changes, OursMapping mapping,
                  String emailKey) {
        super(changes, emailKey);
        this.settings = settings;
        this.http = http;
        this.mapping = mapping;
        this.endpoint = URI.create(settings.url() + "/identify");
    }

    @Override
    protected List<Outcome> deliver(List<ProfileChange> changes) {
        List<Outcome> outcomes = new ArrayList<>(changes.size());
        for (ProfileChange change : changes) {
            Mapped mapped = mapping.map(change);
            outcomes.add(mapped.sendable() ? post(mapped.json()) : mapped.outcome());
        }
        return outcomes;
    }

    private Outcome post(ObjectNode mapped) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("token", settings.token());
        body.setAll(mapped);
        byte[] bytes;
        try {
            bytes = JsonInput.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            return ProfileChanges.refused("the change cannot be written as JSON");
        }
        return http.postAndClassify(endpoint, Map.of("Accept", "application/json"), bytes, settings.timeout(),
                settings.token());
    }

    /**
     * Ours has no deletion endpoint. What its API allows: find the visitor by externalId and email and set every
     * top-level property to null (Ours clears those). Custom properties ignore null and cannot be cleared.
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
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            body.put("externalId", userId);
            String email = locatedEmail(erasure);
            if (email != null) {
                body.put("email", email);
            }
            ObjectNode properties = body.putObject("userProperties");
            OursMapping.RESERVED.stream().sorted().forEach(properties::putNull);
            Outcome outcome = post(body);
            outcomes.add(outcome.kind() != Outcome.Kind.DELIVERED ? outcome
                    : Outcome.delivered(outcome.status(), "scrubbed", "top-level properties cleared with null; Ours "
                    + "offers no deletion and ignores null in custom_properties, so custom properties remain: "
                    + "ask Ours support to delete the visitor"));
        }
        return outcomes;
    }
}
