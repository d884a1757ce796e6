package io.profilehub.destination.marketap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Marketap: {@code POST {url}/v1/api/profile/user?project_id=…} with {@code {"profiles":[…]}}, at most 1,000
 * profiles a request, {@code Authorization: Bearer <api key>}. Marketap answers 202 Accepted and applies the
 * profiles later.
 */
public final class MarketapConnector extends ChangeConnector {
    static final int MAX_PROFILES = 1000;

    private final DestinationSettings settings;
    private final VendorHttp http;
    private final MarketapMapping mapping;
    private final URI endpoint;
    private final URI deletionJob;
    private final URI bulkDeletionJob;
    private final int maxProfiles;

    MarketapConnector(DestinationSettings settings, VendorHttp http, ProfileChanges changes, MarketapMapping mapping,
                      String projectId) {
        super(changes, null);
        this.settings = settings;
        this.http = http;
        this.mapping = mapping;
        String project = "?project_id=" + URLEncoder.encode(projectId, StandardCharsets.UTF_8);
        this.endpoint = URI.create(settings.url() + "/v1/api/profile/user" + project);
        this.deletionJob = URI.create(settings.url() + "/v1/api/profile/user/deletion-job" + project);
        this.bulkDeletionJob = URI.create(settings.url() + "/v1/api/profile/user/deletion-job/bulk" + project);
        this.maxProfiles = Math.min(MAX_PROFILES, settings.batchSize() == null ? MAX_PROFILES : settings.batchSize());
    }

    @Override
    public int maxBatchSize() {
        return maxProfiles;
    }

    @Override
    protected List<Outcome> deliver(List<ProfileChange> changes) {
        Outcome[] outcomes = new Outcome[changes.size()];
        List<Integer> at = new ArrayList<>();
        List<ObjectNode> profiles = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            Mapped mapped = mapping.map(changes.get(i));
            if (mapped.sendable()) {
                at.add(i);
                profiles.add(mapped.json());
            } else {
                outcomes[i] = mapped.outcome();
            }
        }
        // The engine hands at most maxBatchSize() deliveries; the loop only guards the vendor's limit regardless.
        for (int from = 0; from < profiles.size(); from += maxProfiles) {
            int to = Math.min(profiles.size(), from + maxProfiles);
            Outcome outcome = post(profiles.subList(from, to));
            for (int k = from; k < to; k++) {
                outcomes[at.get(k)] = outcome;
            }
        }
        return Arrays.asList(outcomes);
    }

    private Outcome post(List<ObjectNode> profiles) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ArrayNode array = body.putArray("profiles");
        profiles.forEach(array::add);
        return post(endpoint, body);
    }

    private Outcome post(URI uri, ObjectNode body) {
        byte[] bytes;
        try {
            bytes = JsonInput.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            return ProfileChanges.refused("the change cannot be written as JSON");
        }
        return http.postAndClassify(uri, Map.of("Authorization", "Bearer " + settings.token(),
                "Accept", "application/json"), bytes, settings.timeout(), settings.token());
    }

    /**
     * One erasure: {@code POST …/deletion-job {"user_id"}}; several due together: {@code …/deletion-job/bulk
     * {"user_ids":[…]}} with up to 1,000 ids. Both start asynchronous jobs (202) with no status endpoint.
     */
    @Override
    protected List<Outcome> erase(List<Delivery> erasures) {
        Outcome[] outcomes = new Outcome[erasures.size()];
        List<Integer> at = new ArrayList<>();
        List<String> userIds = new ArrayList<>();
        for (int i = 0; i < erasures.size(); i++) {
            String userId = locatedUserId(erasures.get(i));
            if (userId == null) {
                outcomes[i] = neverSent();
            } else {
                at.add(i);
                userIds.add(userId);
            }
        }
        for (int from = 0; from < userIds.size(); from += maxProfiles) {
            List<String> ids = userIds.subList(from, Math.min(userIds.size(), from + maxProfiles));
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            Outcome outcome;
            if (ids.size() == 1) {
                body.put("user_id", ids.get(0));
                outcome = post(deletionJob, body);
            } else {
                ids.forEach(body.putArray("user_ids")::add);
                outcome = post(bulkDeletionJob, body);
            }
            if (outcome.kind() == Outcome.Kind.DELIVERED) {
                outcome = Outcome.delivered(outcome.status(), "erased", "Marketap accepted the deletion job");
            }
            for (int k = from; k < from + ids.size(); k++) {
                outcomes[at.get(k)] = outcome;
            }
        }
        return Arrays.asList(outcomes);
    }

}
