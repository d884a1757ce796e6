package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Composition of JSON Merge Patches (RFC 7396). */
final class MergePatches {
    private MergePatches() {
    }

    /**
     * The one patch that has the effect of applying {@code a}, then {@code b}, to any document; null when there is
     * none. There is none when b merges an object into a member a set to a non-object or removed: applied in turn
     * that member becomes b's object alone, while one patch would merge it into whatever the document held.
     */
    static ObjectNode compose(ObjectNode a, ObjectNode b) {
        if (!composable(a, b)) {
            return null;
        }
        ObjectNode result = a.deepCopy();
        mergeInto(result, b);
        return result;
    }

    /**
     * Appends {@code next} to a sequence of patches applied in turn, composing it into the last one where that
     * means the same; {@code patches} is the caller's own, changed in place.
     */
    static void append(List<ObjectNode> patches, ObjectNode next) {
        if (next == null || next.isEmpty()) {
            return;
        }
        if (!patches.isEmpty() && composable(patches.get(patches.size() - 1), next)) {
            mergeInto(patches.get(patches.size() - 1), next);
        } else {
            patches.add(next.deepCopy());
        }
    }

    private static boolean composable(ObjectNode a, ObjectNode b) {
        Iterator<Map.Entry<String, JsonNode>> fields = b.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode earlier = a.get(f.getKey());
            if (f.getValue().isObject() && earlier != null
                    && (!earlier.isObject() || !composable((ObjectNode) earlier, (ObjectNode) f.getValue()))) {
                return false;
            }
        }
        return true;
    }

    /** Composes b into a, in place; only for a composable pair. */
    private static void mergeInto(ObjectNode a, ObjectNode b) {
        Iterator<Map.Entry<String, JsonNode>> fields = b.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode later = f.getValue();
            JsonNode earlier = a.get(f.getKey());
            if (later.isObject() && earlier != null) {
                mergeInto((ObjectNode) earlier, (ObjectNode) later);
            } else {
                a.set(f.getKey(), later.deepCopy());
            }
        }
    }
}
