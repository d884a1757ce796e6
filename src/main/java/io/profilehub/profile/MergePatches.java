package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.JsonInput;

import java.util.Iterator;
import java.util.Map;

/** Composition of JSON Merge Patches (RFC 7396). */
final class MergePatches {
    private MergePatches() {
    }

    /**
     * The one patch that has the effect of applying {@code a}, then {@code b}, to any document; null when there is
     * none. There is none when b merges an object into a member a set to a non-object or removed: applied in turn
     * that member becomes b's object alone, while one patch would merge it into whatever the document held.
     * Null patches count as empty.
     */
    static ObjectNode compose(ObjectNode a, ObjectNode b) {
        if (b == null || b.isEmpty()) {
            return a == null ? empty() : a.deepCopy();
        }
        if (a == null || a.isEmpty()) {
            return b.deepCopy();
        }
        ObjectNode result = a.deepCopy();
        Iterator<Map.Entry<String, JsonNode>> fields = b.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode later = f.getValue();
            if (!later.isObject() || !result.has(f.getKey())) {
                result.set(f.getKey(), later.deepCopy());
                continue;
            }
            JsonNode earlier = result.get(f.getKey());
            if (!earlier.isObject()) {
                return null;
            }
            ObjectNode composed = compose((ObjectNode) earlier, (ObjectNode) later);
            if (composed == null) {
                return null;
            }
            result.set(f.getKey(), composed);
        }
        return result;
    }

    private static ObjectNode empty() {
        return JsonInput.MAPPER.createObjectNode();
    }
}
