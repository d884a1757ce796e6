package io.profilehub.destination.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.Outcome;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns upsert deliveries into {@link ProfileChange}s. A create carries the whole profile; an update carries only
 * merge patches, so for updates the current profile is read once per batch to learn what the patch cannot tell: the
 * identifier that is the vendor's user id, lookup keys such as the email, and the whole value of a nested object of
 * which only a part changed. Reading the current state can only be newer than the event, never older, and the
 * later events of the profile follow in order, so the vendor ends where the profile is.
 */
public final class ProfileChanges {
    /** The stored identifiers and traits of one profile. */
    public record Stored(ObjectNode identifiers, ObjectNode traits) {
    }

    /** Reads profiles as they are now; absent ids were deleted. */
    public interface Store {
        Map<String, Stored> load(String workspaceId, Collection<String> profileIds);
    }

    /** Either a change to send or the outcome the delivery already has without sending. */
    public record Resolved(ProfileChange change, Outcome outcome) {
    }

    private final Store store;
    private final String userIdKey;

    /** {@code userIdKey} is the identifier holding the vendor's user id, or null for our profile id. */
    public ProfileChanges(Store store, String userIdKey) {
        this.store = store;
        this.userIdKey = userIdKey;
    }

    /** The vendor's user id of a profile with these identifiers; null when the identifier is missing. */
    public String vendorUserId(String profileId, ObjectNode identifiers) {
        return userIdKey == null ? profileId : scalarText(identifiers.get(userIdKey));
    }

    /** One result per upsert delivery, in order. */
    public List<Resolved> resolve(List<Delivery> upserts) {
        Map<String, Set<String>> updatedByWorkspace = new LinkedHashMap<>();
        for (Delivery d : upserts) {
            if (!d.created()) {
                updatedByWorkspace.computeIfAbsent(d.workspaceId(), k -> new LinkedHashSet<>()).add(d.profileId());
            }
        }
        Map<String, Map<String, Stored>> stored = new HashMap<>();
        updatedByWorkspace.forEach((ws, ids) -> stored.put(ws, store.load(ws, ids)));
        List<Resolved> resolved = new ArrayList<>(upserts.size());
        for (Delivery d : upserts) {
            resolved.add(d.created() ? fromCreate(d)
                    : fromUpdate(d, stored.get(d.workspaceId()).get(d.profileId())));
        }
        return resolved;
    }

    private Resolved fromCreate(Delivery d) {
        ObjectNode identifiers = wholeNested(object(d.event().get("identifiers")));
        ObjectNode traits = wholeNested(object(d.event().get("traits")));
        return withUserId(d, true, identifiers, traits, withoutNulls(identifiers));
    }

    private Resolved fromUpdate(Delivery d, Stored now) {
        if (now == null) {
            // The profile was deleted after this change; its delete event follows and settles the vendor side.
            return new Resolved(null, Outcome.delivered(0, null,
                    "not sent: the profile was deleted before this change went out"));
        }
        ObjectNode idPatch = object(d.event().get("identifiers"));
        ObjectNode traitPatch = object(d.event().get("traits"));
        if (userIdKey != null && idPatch.has(userIdKey)) {
            // A new vendor user id is a different user to the vendor: give it the whole profile, not a patch.
            return withUserId(d, true, now.identifiers().deepCopy(), now.traits().deepCopy(), now.identifiers());
        }
        return withUserId(d, false, fromStore(idPatch, now.identifiers()), fromStore(traitPatch, now.traits()),
                now.identifiers());
    }

    private Resolved withUserId(Delivery d, boolean whole, ObjectNode identifiers, ObjectNode traits, ObjectNode current) {
        String userId = userIdKey == null ? d.profileId() : scalarText(current.get(userIdKey));
        if (userId == null) {
            return new Resolved(null, refused("the profile has no '" + userIdKey
                    + "' identifier, which this destination uses as the vendor's user id"));
        }
        return new Resolved(new ProfileChange(d.workspaceId(), d.profileId(), userId,
                occurredAt(d.event().get("occurredAt")), whole, identifiers, traits, current), null);
    }

    /** Refuses a delivery that can never be valid, without sending it. */
    public static Outcome refused(String reason) {
        // 400 like the vendor would answer, so a batch made only of refusals is still bisected by the engine.
        return Outcome.dead(400, "not sent: " + reason);
    }

    /** In a create, composed removals may sit inside nested objects: the vendor gets the objects as they are. */
    private static ObjectNode wholeNested(ObjectNode patch) {
        ObjectNode out = patch.deepCopy();
        out.fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) {
                e.setValue(withoutNulls((ObjectNode) e.getValue()));
            }
        });
        return out;
    }

    /** Scalars as the patch says; a nested object as the profile now holds it (null when it is gone). */
    private static ObjectNode fromStore(ObjectNode patch, ObjectNode now) {
        ObjectNode out = patch.deepCopy();
        out.fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) {
                JsonNode current = now.get(e.getKey());
                e.setValue(current == null ? NullNode.instance : current.deepCopy());
            }
        });
        return out;
    }

    static ObjectNode withoutNulls(ObjectNode node) {
        ObjectNode out = node.deepCopy();
        Iterator<Map.Entry<String, JsonNode>> it = out.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                it.remove();
            } else if (e.getValue().isObject()) {
                e.setValue(withoutNulls((ObjectNode) e.getValue()));
            }
        }
        return out;
    }

    public static String scalarText(JsonNode value) {
        if (value == null || !value.isValueNode() || value.isNull()) {
            return null;
        }
        String text = value.asText();
        return text.isBlank() ? null : text;
    }

    private static ObjectNode object(JsonNode node) {
        return node != null && node.isObject() ? (ObjectNode) node : JsonNodeFactory.instance.objectNode();
    }

    /** Always UTC with a Z; the time of the change, or now when the event lacks one. */
    static Instant occurredAt(JsonNode value) {
        if (value != null && value.isTextual()) {
            try {
                return OffsetDateTime.parse(value.asText()).toInstant();
            } catch (DateTimeParseException e) {
                // fall through: every vendor gets a timestamp
            }
        }
        return Instant.now();
    }
}
