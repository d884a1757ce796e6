package io.profilehub.destination.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Outcome;

import java.util.Iterator;
import java.util.Map;

/** What a vendor mapping made of one change: the JSON to send, or the outcome it has without sending. */
public record Mapped(ObjectNode json, Outcome outcome) {
    public static Mapped of(ObjectNode json) {
        return new Mapped(json, null);
    }

    public static Mapped refused(String reason) {
        return new Mapped(null, ProfileChanges.refused(reason));
    }

    /** An update that touched nothing this destination sends (say, an unmapped identifier). */
    public static Mapped nothingToSend() {
        return new Mapped(null, Outcome.delivered(0, null, "not sent: nothing this destination receives changed"));
    }

    public boolean sendable() {
        return json != null;
    }

    /** The path of the first string longer than {@code max} characters inside {@code node}, or null. */
    public static String tooLong(JsonNode node, int max, String path) {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText().length() > max ? path : null;
        }
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                String found = tooLong(e.getValue(), max, path + "." + e.getKey());
                if (found != null) {
                    return found;
                }
            }
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = tooLong(node.get(i), max, path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }
}
