package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;

import java.util.Iterator;
import java.util.Map;

/**
 * {@code traitsOnce} of an identify body: traits set only where the profile has no value yet (first-touch
 * attribution such as signupSource). Recursive: an object fills the members missing at every depth, and a member
 * present with any value, an object too, is never overwritten (db/V23, jsonb_fill_missing). A null would mean
 * "remove" in {@code traits} and means nothing here, so it is refused, as is a trait sent in both members: which
 * of the two should win is the client's decision, not a guess of ours.
 */
final class TraitsOnce {
    static final String FIELD = "traitsOnce";

    private TraitsOnce() {
    }

    /** The body's traitsOnce, checked against its traits; null when absent or empty. */
    static ObjectNode read(ObjectNode body, ObjectNode traits) {
        ObjectNode once = JsonInput.optionalObject(body, FIELD, "");
        if (once == null || once.isEmpty()) {
            return null;
        }
        rejectNulls(FIELD, once);
        if (traits != null) {
            Iterator<String> names = once.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (traits.has(name)) {
                    throw ProblemException.badRequest("'" + shorten(name) + "' is in both 'traits' and '" + FIELD
                            + "'; send each trait in one of them (traits always set, traitsOnce only where the "
                            + "profile has no value yet).");
                }
            }
        }
        return once;
    }

    private static void rejectNulls(String path, ObjectNode node) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String at = path + "." + shorten(field.getKey());
            if (field.getValue().isNull()) {
                throw ProblemException.badRequest("'" + at + "' is null; traitsOnce only sets values that are "
                        + "missing, so null means nothing there. To remove a trait, send it as null in 'traits'.");
            }
            if (field.getValue().isObject()) {
                rejectNulls(at, (ObjectNode) field.getValue());
            }
        }
    }

    /** The create's traits: traitsOnce's members join the traits (the two share no member). */
    static ObjectNode withDefaults(ObjectNode traits, ObjectNode once) {
        if (once == null) {
            return traits;
        }
        ObjectNode document = traits == null ? JsonInput.MAPPER.createObjectNode() : traits.deepCopy();
        document.setAll(once.deepCopy());
        return document;
    }

    private static String shorten(String name) {
        return name.length() > 60 ? name.substring(0, 60) + "…" : name;
    }
}
