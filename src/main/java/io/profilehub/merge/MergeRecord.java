package io.profilehub.merge;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * A merge as GET /merges/{id} shows it: ids, times, states and per destination what the vendors were sent. No
 * identifiers or traits: the kept pre-merge state is for undo only.
 */
@JsonPropertyOrder({"id", "survivorId", "absorbedId", "prefer", "status", "createdAt", "undoneAt", "survivorVersion",
        "undoableUntil", "source", "destinations"})
public record MergeRecord(String id, String survivorId, String absorbedId, String prefer, String status,
                          String createdAt, String undoneAt, long survivorVersion, String undoableUntil,
                          Source source, List<DestinationOutcome> destinations) {

    /** The API key that asked for the merge (id and name as they were, never the secret) and its label. */
    public record Source(String keyId, String keyName, String label) {
    }

    /**
     * What one destination got. {@code survivor}: the upsert of the merged survivor; {@code absorbed}: the absorbed
     * user's removal; {@code undo}: the upserts of the restored profiles, once undone (else null).
     */
    public record DestinationOutcome(String name, Delivery survivor, Delivery absorbed, List<Delivery> undo) {
    }

    /**
     * status: delivered | pending | failed (dead-lettered or dropped by an operator) | cancelled (the profile was
     * erased before it went) | not_supported (the vendor cannot delete: the user remains there) | none (nothing was
     * queued for this destination) | unknown (the change log no longer holds it).
     */
    public record Delivery(String profileId, Long version, String status, String detail) {
    }
}
