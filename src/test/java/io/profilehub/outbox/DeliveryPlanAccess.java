package io.profilehub.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Opens the engine's patch composition to the property tests in another package. */
public final class DeliveryPlanAccess {
    private DeliveryPlanAccess() {
    }

    public static boolean compose(ObjectNode first, JsonNode second) {
        return DeliveryPlan.compose(first, second);
    }
}
