package io.profilehub.destination.marketap;

import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Marketap: {@code POST {url}/v1/api/profile/user?project_id=…} with {@code {"profiles":[…]}}, at most 1,000
 * profiles a request, {@code Authorization: Bearer <api key>}. Marketap answers 202 Accepted and applies the
 * profiles later.
 */
public final class MarketapConnector extends ChangeConnector {
    static final int MAX_PROFILES = 1000;

    private final Map<String, String> headers;
    private final MarketapMapping mapping;
    private final URI endpoint;
    private final URI deletionJob;
    private final URI bulkDeletionJob;
    private final int maxProfiles;

    MarketapConnector(DestinationSettings settings, VendorClient client, ProfileChanges changes,
                      MarketapMapping mapping, String projectId) {
        super(changes, null, client, settings.token());
        this.headers = Map.of("Authorization", "Bearer " + settings.token(), "Accept", "application/json");
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
        Outcomes outcomes = new Outcomes(changes.size());
        Outcomes.Batch<ObjectNode> profiles = mapped(changes, mapping::map, outcomes);
        // The engine hands at most maxBatchSize() deliveries; the loop only guards the vendor's limit regardless.
        for (int from = 0; from < profiles.size(); from += maxProfiles) {
            int to = Math.min(profiles.size(), from + maxProfiles);
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            ArrayNode array = body.putArray("profiles");
            profiles.items().subList(from, to).forEach(array::add);
            profiles.settle(from, to, post(endpoint, headers, body));
        }
        return outcomes.list();
    }

    /**
     * One erasure: {@code POST …/deletion-job {"user_id"}}; several due together: {@code …/deletion-job/bulk
     * {"user_ids":[…]}} with up to 1,000 ids. Both start asynchronous jobs (202) with no status endpoint.
     */
    @Override
    protected List<Outcome> erase(List<Delivery> erasures) {
        Outcomes outcomes = new Outcomes(erasures.size());
        Outcomes.Batch<Delivery> located = located(erasures, outcomes);
        List<String> userIds = located.items().stream().map(ChangeConnector::locatedUserId).toList();
        for (int from = 0; from < userIds.size(); from += maxProfiles) {
            int to = Math.min(userIds.size(), from + maxProfiles);
            List<String> ids = userIds.subList(from, to);
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            Outcome outcome;
            if (ids.size() == 1) {
                body.put("user_id", ids.get(0));
                outcome = post(deletionJob, headers, body);
            } else {
                ids.forEach(body.putArray("user_ids")::add);
                outcome = post(bulkDeletionJob, headers, body);
            }
            located.settle(from, to, erasure(outcome, "erased", "Marketap accepted the deletion job"));
        }
        return outcomes.list();
    }

}
