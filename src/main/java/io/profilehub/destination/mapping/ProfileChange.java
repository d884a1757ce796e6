package io.profilehub.destination.mapping;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * One profile change as a vendor needs it: the vendor's user id, when it happened, and the changed identifiers and
 * traits with the values to send (null where a key was removed; a nested object always whole, since vendors replace a
 * property's value rather than merge into it). {@code currentIdentifiers} holds every identifier the profile has now,
 * for lookup keys a vendor wants on every request (email, a visitor id) even when they did not change. {@code whole}
 * says the change carries the whole profile (a create, or a new vendor user id) rather than a patch.
 */
public record ProfileChange(String workspaceId, String profileId, String userId, Instant occurredAt, boolean whole,
                            ObjectNode identifiers, ObjectNode traits, ObjectNode currentIdentifiers) {

    /** The current value of an identifier as text; null when the profile has none (or only an object). */
    public String currentIdentifier(String key) {
        return ProfileChanges.scalarText(currentIdentifiers.get(key));
    }

    /** True when the change names this identifier (changed or removed). */
    public boolean changesIdentifier(String key) {
        return identifiers.has(key);
    }
}
