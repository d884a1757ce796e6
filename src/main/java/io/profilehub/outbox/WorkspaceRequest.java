package io.profilehub.outbox;

import io.profilehub.destination.Delivery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What one vendor request carries: deliveries of one workspace only. A vendor may quote its request in its answer,
 * and that answer is stored on every event of the request, where the request's workspace reads it; a request of one
 * workspace cannot put another's data there. This type is the only way {@link BatchBisection} is handed deliveries,
 * and it refuses to hold two workspaces.
 */
record WorkspaceRequest(String workspaceId, List<Delivery> deliveries) {

    WorkspaceRequest {
        if (deliveries.isEmpty()) {
            throw new IllegalArgumentException("a request carries at least one delivery");
        }
        for (Delivery d : deliveries) {
            if (!d.workspaceId().equals(workspaceId)) {
                throw new IllegalArgumentException("a request of workspace " + workspaceId
                        + " cannot carry a delivery of workspace " + d.workspaceId());
            }
        }
        deliveries = List.copyOf(deliveries);
    }

    /**
     * Groups planned deliveries by workspace (in the order each workspace first appears) and cuts each group into
     * requests of at most {@code size}; each request lists the plans it carries, in order.
     */
    static List<List<DeliveryPlan.Planned>> partition(List<DeliveryPlan.Planned> planned, int size) {
        Map<String, List<DeliveryPlan.Planned>> byWorkspace = new LinkedHashMap<>();
        for (DeliveryPlan.Planned p : planned) {
            byWorkspace.computeIfAbsent(p.delivery().workspaceId(), k -> new ArrayList<>()).add(p);
        }
        List<List<DeliveryPlan.Planned>> requests = new ArrayList<>();
        for (List<DeliveryPlan.Planned> group : byWorkspace.values()) {
            for (int from = 0; from < group.size(); from += size) {
                requests.add(group.subList(from, Math.min(group.size(), from + size)));
            }
        }
        return requests;
    }

    /** The request of these plans, each delivery as {@code prepare} makes it (the plans are of one workspace). */
    static WorkspaceRequest of(List<DeliveryPlan.Planned> plans, Function<Delivery, Delivery> prepare) {
        return new WorkspaceRequest(plans.get(0).delivery().workspaceId(),
                plans.stream().map(p -> prepare.apply(p.delivery())).toList());
    }

    int size() {
        return deliveries.size();
    }

    /** Deliveries {@code from} (inclusive) to {@code to} (exclusive): a smaller request of the same workspace. */
    WorkspaceRequest part(int from, int to) {
        return new WorkspaceRequest(workspaceId, deliveries.subList(from, to));
    }
}
