package io.profilehub.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a claim into requests. Consecutive upserts of one profile are composed into one merge patch; a delete makes
 * the upserts queued before it unnecessary. Events that cannot be composed into the first request of their profile
 * are released and go out in a later round, after it.
 */
public record DeliveryPlan(List<Planned> deliveries, List<ClaimedEvent> superseded, List<ClaimedEvent> deferred) {

    /** One request's worth of change for one profile, and the events it settles. */
    public record Planned(Delivery delivery, List<ClaimedEvent> events) {
        ClaimedEvent head() {
            return events.get(0);
        }
    }

    public static DeliveryPlan of(List<ClaimedEvent> claimed) {
        Map<String, List<ClaimedEvent>> byProfile = new LinkedHashMap<>();
        for (ClaimedEvent e : claimed) {
            byProfile.computeIfAbsent(e.workspaceId() + "/" + e.profileId(), k -> new ArrayList<>()).add(e);
        }
        List<Planned> deliveries = new ArrayList<>();
        List<ClaimedEvent> superseded = new ArrayList<>();
        List<ClaimedEvent> deferred = new ArrayList<>();
        for (List<ClaimedEvent> events : byProfile.values()) {
            events.sort((a, b) -> Long.compare(a.seq(), b.seq()));
            int lastDelete = -1;
            for (int i = 0; i < events.size(); i++) {
                if (!Delivery.UPSERT.equals(events.get(i).kind())) {
                    lastDelete = i;
                }
            }
            if (lastDelete >= 0) {
                // A profile is deleted once; whatever was queued before its delete need not reach the vendor.
                ClaimedEvent delete = events.get(lastDelete);
                superseded.addAll(events.subList(0, lastDelete));
                deliveries.add(new Planned(delivery(delete, delete.payload(), List.of(delete)), List.of(delete)));
                deferred.addAll(events.subList(lastDelete + 1, events.size()));
                continue;
            }
            ObjectNode composed = events.get(0).payload().deepCopy();
            List<ClaimedEvent> settled = new ArrayList<>(List.of(events.get(0)));
            int i = 1;
            for (; i < events.size(); i++) {
                ObjectNode next = events.get(i).payload();
                ObjectNode candidate = composed.deepCopy();
                if (!compose(candidate.with("identifiers"), next.path("identifiers"))
                        || !compose(candidate.with("traits"), next.path("traits"))) {
                    break;
                }
                candidate.set("version", next.get("version"));
                candidate.set("occurredAt", next.get("occurredAt"));
                composed = candidate;
                settled.add(events.get(i));
            }
            deferred.addAll(events.subList(i, events.size()));
            deliveries.add(new Planned(delivery(events.get(0), composed, settled), settled));
        }
        return new DeliveryPlan(deliveries, superseded, deferred);
    }

    private static Delivery delivery(ClaimedEvent event, ObjectNode payload, List<ClaimedEvent> settled) {
        return new Delivery(event.workspaceId(), event.profileId(), event.kind(), payload, event.lane(),
                settled.stream().map(ClaimedEvent::origin).toList());
    }

    /**
     * Applies patch b after patch a, in place, as one patch. Fails (false) where no single merge patch can express
     * the pair: an object merged into a key the first patch removed or replaced with a non-object.
     */
    static boolean compose(ObjectNode a, JsonNode b) {
        if (b == null || !b.isObject()) {
            return true;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = b.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            JsonNode previous = a.get(key);
            if (value.isObject() && previous != null) {
                if (!previous.isObject()) {
                    return false;
                }
                if (!compose((ObjectNode) previous, value)) {
                    return false;
                }
            } else {
                a.set(key, value.deepCopy());
            }
        }
        return true;
    }
}
