package io.profilehub.history;

import io.profilehub.destination.ChangeKind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.JsonInput;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays a profile's changes from the change log, oldest first, into per-field changes. The log stores no "before"
 * values: a create, a backfill, a retry or a merge carries the whole state, an update only the merge patch it made
 * (jsonb_merge_diff: changed keys, null for a removed one). The state is rebuilt as the changes are replayed, so an
 * old value is the field's value in the previous state.
 *
 * <p>The oldest change kept may be an update whose previous state went with a dropped day. Until a whole state
 * arrives, the state is partial: a field's old value is known only if a kept change set it (or removed it) before,
 * and is reported as unknown ({@code oldKnown: false}) otherwise. A create starts from nothing, so its old values are
 * known to be absent.
 */
final class FieldChanges {
    private ObjectNode state = emptyState();
    private boolean complete;
    private final Set<String> known = new HashSet<>();
    private final Set<Long> versions = new HashSet<>();

    /** One field's change: {@code oldValue}/{@code newValue} null means the field had no value. */
    record Change(String path, JsonNode oldValue, boolean oldKnown, JsonNode newValue) {
        Change {
            // copies: the replayed state goes on changing in place under later patches
            oldValue = oldValue == null ? null : oldValue.deepCopy();
            newValue = newValue == null ? null : newValue.deepCopy();
        }
    }

    /**
     * The field changes of one change-log row, in path order; null for a row that is no change of its own: a
     * targeted copy of a version already replayed (backfill, a retry, an erasure sent per destination) or a
     * scrubbed document.
     */
    List<Change> replay(Long version, String kind, JsonNode document) {
        if (version != null && !versions.add(version)) {
            return null;
        }
        if (document == null || document.has("scrubbed")) {
            return null;
        }
        List<Change> changes = new ArrayList<>();
        if (ChangeKind.DELETE.value().equals(kind)) {
            ObjectNode next = emptyState();
            diff("", state, next, changes);
            state = next;
            complete = true;
            known.clear();
        } else {
            ObjectNode body = JsonInput.MAPPER.createObjectNode();
            body.set("identifiers", objectOrEmpty(document.get("identifiers")));
            body.set("traits", objectOrEmpty(document.get("traits")));
            if (document.path("created").asBoolean(false)) {
                state = emptyState();
                complete = true;
                known.clear();
            }
            if (document.path("created").asBoolean(false) || document.path("full").asBoolean(false)) {
                diff("", state, body, changes);
                state = body;
                complete = true;
                known.clear();
            } else {
                patch("", state, body, changes);
            }
        }
        changes.sort(Comparator.comparing(Change::path));
        return changes;
    }

    private boolean known(String path) {
        if (complete) {
            return true;
        }
        for (String p = path; ; ) {
            if (known.contains(p)) {
                return true;
            }
            int dot = p.lastIndexOf('.');
            if (dot < 0) {
                return false;
            }
            p = p.substring(0, dot);
        }
    }

    /** Old and new whole states (either side may be missing, i.e. null). */
    private void diff(String path, JsonNode old, JsonNode neu, List<Change> out) {
        if ((old == null || old.isObject()) && (neu == null || neu.isObject()) && (old != null || neu != null)) {
            // an object added, removed or changed: reported per leaf, so a field filter finds its own path
            for (String k : keys(old, neu)) {
                diff(join(path, k), old == null ? null : old.get(k), neu == null ? null : neu.get(k), out);
            }
        } else if (known(path)) {
            if (!same(old, neu)) {
                out.add(new Change(path, old, true, neu));
            }
        } else if (neu != null && neu.isObject()) {
            // Whether the old value was an object is unknown: report the new leaves, each with an unknown old value.
            JsonNode oldObject = old != null && old.isObject() ? old : null;
            for (String k : keys(oldObject, neu)) {
                diff(join(path, k), oldObject == null ? null : oldObject.get(k), neu.get(k), out);
            }
        } else if (old != null || neu != null) {
            out.add(new Change(path, null, false, neu));
        }
    }

    /** Applies a merge patch to {@code target} (an object of the state), recording each field it changes. */
    private void patch(String path, ObjectNode target, JsonNode patch, List<Change> out) {
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String p = join(path, field.getKey());
            JsonNode current = target.get(field.getKey());
            JsonNode value = field.getValue();
            if (value.isObject() && current != null && current.isObject()) {
                patch(p, (ObjectNode) current, value, out);
            } else if (value.isObject() && current == null) {
                // a new object, or (old value unknown) changes inside one: per leaf either way
                ObjectNode created = JsonInput.MAPPER.createObjectNode();
                target.set(field.getKey(), created);
                patch(p, created, value, out);
            } else if (value.isNull() && current != null && current.isObject()) {
                diff(p, current, null, out);
                target.remove(field.getKey());
                known.add(p);
            } else {
                JsonNode next = value.isNull() ? null : value.isObject() ? stripNulls(value) : value;
                boolean wasKnown = known(p);
                if (!wasKnown || !same(current, next)) {
                    out.add(new Change(p, wasKnown ? current : null, wasKnown, next));
                }
                if (next == null) {
                    target.remove(field.getKey());
                } else {
                    target.set(field.getKey(), next);
                }
                known.add(p);
            }
        }
    }

    private static JsonNode stripNulls(JsonNode value) {
        ObjectNode copy = JsonInput.MAPPER.createObjectNode();
        value.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) {
                copy.set(e.getKey(), e.getValue().isObject() ? stripNulls(e.getValue()) : e.getValue());
            }
        });
        return copy;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        return a == null ? b == null : a.equals(b);
    }

    private static Set<String> keys(JsonNode a, JsonNode b) {
        Set<String> keys = new LinkedHashSet<>();
        if (a != null) {
            a.fieldNames().forEachRemaining(keys::add);
        }
        if (b != null) {
            b.fieldNames().forEachRemaining(keys::add);
        }
        return keys;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static ObjectNode objectOrEmpty(JsonNode node) {
        return node != null && node.isObject() ? (ObjectNode) node.deepCopy() : JsonInput.MAPPER.createObjectNode();
    }

    private static ObjectNode emptyState() {
        ObjectNode state = JsonInput.MAPPER.createObjectNode();
        state.set("identifiers", JsonInput.MAPPER.createObjectNode());
        state.set("traits", JsonInput.MAPPER.createObjectNode());
        return state;
    }
}
