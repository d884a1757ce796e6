package io.profilehub.destination.thrivestack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorHttp;
import io.profilehub.destination.mapping.ChangeConnector;
import io.profilehub.destination.mapping.Mapped;
import io.profilehub.destination.mapping.ProfileChange;
import io.profilehub.destination.mapping.ProfileChanges;
import io.profilehub.http.JsonInput;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
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

    private record Item(int index, byte[] json) {
    }

    private final DestinationSettings settings;
    private final VendorHttp http;
    private final ThrivestackMapping mapping;
    private final Map<String, String> headers;
    private final URI endpoint;
    private final int maxItems;
    private final int maxBytes;

    ThrivestackConnector(DestinationSettings settings, VendorHttp http, ProfileChanges changes,
                         ThrivestackMapping mapping, Map<String, String> headers, int maxBytes) {
        super(changes, null);
        this.settings = settings;
        this.http = http;
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
        Outcome[] outcomes = new Outcome[changes.size()];
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            Mapped mapped = mapping.map(changes.get(i));
            if (!mapped.sendable()) {
                outcomes[i] = mapped.outcome();
                continue;
            }
            byte[] json;
            try {
                json = JsonInput.MAPPER.writeValueAsBytes(mapped.json());
            } catch (JsonProcessingException e) {
                outcomes[i] = ProfileChanges.refused("the change cannot be written as JSON");
                continue;
            }
            if (json.length + 2 > maxBytes) {
                outcomes[i] = ProfileChanges.refused("the item is " + json.length + " bytes as JSON; Thrivestack "
                        + "takes at most " + maxBytes + " bytes per request");
                continue;
            }
            items.add(new Item(i, json));
        }
        List<List<Item>> requests = pack(items);
        for (List<Item> request : requests) {
            List<Outcome> sent = post(request, requests.size() > 1);
            for (int k = 0; k < request.size(); k++) {
                outcomes[request.get(k).index()] = sent.get(k);
            }
        }
        return Arrays.asList(outcomes);
    }

    /** Fills each request up to the item and byte limits, in order. */
    private List<List<Item>> pack(List<Item> items) {
        List<List<Item>> requests = new ArrayList<>();
        List<Item> current = new ArrayList<>();
        long size = 2; // the brackets
        for (Item item : items) {
            long added = item.json().length + (current.isEmpty() ? 0 : 1);
            if (!current.isEmpty() && (current.size() == maxItems || size + added > maxBytes)) {
                requests.add(current);
                current = new ArrayList<>();
                size = 2;
                added = item.json().length;
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
    private List<Outcome> post(List<Item> items, boolean bisect) {
        Outcome outcome = request(items);
        if (bisect && items.size() > 1 && outcome.kind() == Outcome.Kind.DEAD && outcome.status() == 400) {
            int half = items.size() / 2;
            List<Outcome> split = new ArrayList<>(post(items.subList(0, half), true));
            split.addAll(post(items.subList(half, items.size()), true));
            return split;
        }
        return Collections.nCopies(items.size(), outcome);
    }

    private Outcome request(List<Item> items) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                body.write(',');
            }
            body.writeBytes(items.get(i).json());
        }
        body.write(']');
        try {
            VendorHttp.Answer answer = http.post(endpoint, headers, body.toByteArray(), settings.timeout());
            Outcome outcome = VendorHttp.classify(answer, settings.token());
            if (outcome.kind() == Outcome.Kind.DELIVERED && saysUnsuccessful(answer.body())) {
                // A 2xx whose body says success:false names no cause; try again rather than lose the change.
                return Outcome.retry(answer.status(), "answered success:false: "
                        + VendorHttp.excerpt(answer.body(), settings.token()), null);
            }
            return outcome;
        } catch (Exception e) {
            return VendorHttp.failure(e, settings.timeout());
        }
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

    /** Thrivestack documents no deletion endpoint in any generation: say so, so an operator can act by hand. */
    @Override
    protected List<Outcome> erase(List<Delivery> erasures) {
        Outcome unsupported = Outcome.delivered(0, "unsupported", "Thrivestack documents no deletion endpoint: "
                + "delete this user in Thrivestack by hand (or ask Thrivestack support); nothing was sent");
        return erasures.stream().map(d -> unsupported).toList();
    }
}
