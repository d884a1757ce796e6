package io.profilehub.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.profilehub.support.Api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads what a fake webhook receiver accepted, per profile, in the order it arrived. */
final class Deliveries {
    private Deliveries() {
    }

    /** Accepted (2xx) event documents grouped by profile id, in arrival order. */
    static Map<String, List<JsonNode>> accepted(WireMockServer server) {
        List<ServeEvent> events = new ArrayList<>(server.getAllServeEvents());
        events.sort(Comparator.comparing(e -> e.getRequest().getLoggedDate()));
        Map<String, List<JsonNode>> byProfile = new LinkedHashMap<>();
        for (ServeEvent e : events) {
            int status = e.getResponse().getStatus();
            if (status < 200 || status >= 300) {
                continue;
            }
            JsonNode body = Api.json(e.getRequest().getBodyAsString());
            byProfile.computeIfAbsent(body.get("profileId").asText(), k -> new ArrayList<>()).add(body);
        }
        return byProfile;
    }

    /** Applies the accepted patches in order, as a vendor would, and returns the resulting document. */
    static ObjectNode replay(List<JsonNode> events, String field) {
        ObjectNode state = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (JsonNode e : events) {
            merge(state, e.get(field));
        }
        return state;
    }

    private static void merge(ObjectNode target, JsonNode patch) {
        if (patch == null) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isNull()) {
                target.remove(f.getKey());
            } else if (f.getValue().isObject()) {
                JsonNode existing = target.get(f.getKey());
                ObjectNode child = existing != null && existing.isObject() ? (ObjectNode) existing : target.putObject(f.getKey());
                merge(child, f.getValue());
            } else {
                target.set(f.getKey(), f.getValue());
            }
        }
    }
}
