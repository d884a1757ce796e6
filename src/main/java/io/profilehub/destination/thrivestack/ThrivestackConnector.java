package io.profilehub.destination.thrivestack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorClient;
import io.profilehub.destination.mapping.ChangeConnector;
import io.profilehub.destination.mapping.Outcomes;
import io.profilehub.destination.mapping.ProfileChange;
import io.profilehub.destination.mapping.ProfileChanges;
import io.profilehub.http.JsonInput;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Thrivestack: {@code POST {url}/identify} with a JSON array of up to 1,000 items and under 2 MB, else the whole
 * request is refused with 400. Items are packed greedily by their serialized size; an item too large to go alone is
 * refused without sending.
 */
public final class ThrivestackConnector extends ChangeConnector {
    static final int MAX_ITEMS = 1000;
    /** "2 MB" read as 2,000,000 bytes, which is under the limit whichever way Thrivestack counts a megabyte. */
    static final int MAX_BYTES = 2_000_000;

    private final ThrivestackMapping mapping;
    private final Map<String, String> headers;
    private final URI endpoint;
    private final int maxItems;
    private final int maxBytes;

    ThrivestackConnector(DestinationSettings settings, VendorClient client, ProfileChanges changes,
                         ThrivestackMapping mapping, Map<String, String> headers, int maxBytes) {
        super(changes, null, client, settings.token());
        this.mapping = mapping;
        this.headers = headers;
        this.endpoint = URI.create(settings.url() + "/identify");
        this.maxItems = Math.min(MAX_ITEMS, settings.batchSize() == null ? MAX_ITEMS : settings.batchSize());
        this.maxBytes = maxBytes;
    }

    @Override
    public int maxBatchSize() {
        return maxItems;
    }

    @Override
    protected List<Outcome> deliver(List<ProfileChange> changes) {
        Outcomes outcomes = new Outcomes(changes.size());
        Outcomes.Batch<ObjectNode> mapped = mapped(changes, mapping::map, outcomes);
        Outcomes.Batch<byte[]> items = outcomes.batch();
        for (int i = 0; i < mapped.size(); i++) {
            byte[] json = serialise(mapped.items().get(i));
            if (json == null) {
                outcomes.settle(mapped.place(i), unwritable());
            } else if (json.length + 2 > maxBytes) {
                outcomes.settle(mapped.place(i), ProfileChanges.refused("the item is " + json.length
                        + " bytes as JSON; Thrivestack takes at most " + maxBytes + " bytes per request"));
            } else {
                items.add(mapped.place(i), json);
            }
        }
        List<List<byte[]>> requests = pack(items.items());
        int from = 0;
        for (List<byte[]> request : requests) {
            items.settle(from, post(request, requests.size() > 1));
            from += request.size();
        }
        return outcomes.list();
    }

    /** Fills each request up to the item and byte limits, in order. */
    private List<List<byte[]>> pack(List<byte[]> items) {
        List<List<byte[]>> requests = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        long size = 2; // the brackets
        for (byte[] item : items) {
            long added = item.length + (current.isEmpty() ? 0 : 1);
            if (!current.isEmpty() && (current.size() == maxItems || size + added > maxBytes)) {
                requests.add(current);
                current = new ArrayList<>();
                size = 2;
                added = item.length;
            }
            current.add(item);
            size += added;
        }
        if (!current.isEmpty()) {
            requests.add(current);
        }
        return requests;
    }

    /**
     * One request. When this call split the batch into several requests, a request refused as a whole with 400 is
     * halved here: the engine bisects only a batch whose every outcome is such a 400, which a mix no longer is.
     */
    private List<Outcome> post(List<byte[]> items, boolean bisect) {
        Outcome outcome = request(items);
        if (bisect && items.size() > 1 && outcome.kind() == Outcome.Kind.DEAD && outcome.status() == 400) {
            int half = items.size() / 2;
            List<Outcome> split = new ArrayList<>(post(items.subList(0, half), true));
            split.addAll(post(items.subList(half, items.size()), true));
            return split;
        }
        return Collections.nCopies(items.size(), outcome);
    }

    private Outcome request(List<byte[]> items) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                body.write(',');
            }
            body.writeBytes(items.get(i));
        }
        body.write(']');
        return post(endpoint, headers, body.toByteArray(), answer -> {
            Outcome outcome = classify(answer);
            if (outcome.kind() == Outcome.Kind.DELIVERED && saysUnsuccessful(answer.body())) {
                // A 2xx whose body says success:false names no cause; try again rather than lose the change.
                return Outcome.retry(answer.status(), "answered success:false: " + excerpt(answer.body()), null);
            }
            return outcome;
        });
    }

    private static boolean saysUnsuccessful(String body) {
        if (body == null || body.isBlank()) {
            return false;
        }
        try {
            JsonNode json = JsonInput.MAPPER.readTree(body);
            return json.path("success").isBoolean() && !json.path("success").asBoolean();
        } catch (JsonProcessingException notJson) {
            return false;
        }
    }

    @Override
    public boolean deletes() {
        return false;
    }

    /** Thrivestack documents no deletion endpoint in any generation: say so, so an operator can act by hand. */
    @Override
    protected List<Outcome> erase(List<Delivery> erasures) {
        Outcome unsupported = Outcome.delivered(0, "unsupported", "Thrivestack documents no deletion endpoint: "
                + "delete this user in Thrivestack by hand (or ask Thrivestack support); nothing was sent");
        return erasures.stream().map(d -> unsupported).toList();
    }
}
