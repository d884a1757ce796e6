package io.profilehub.destination;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One change to deliver for one profile: the event document (several consecutive upserts already composed into
 * one) with {@code type} "profile.upsert" or "profile.delete", {@code identifiers} and {@code traits} as merge
 * patches, and {@code version}, the profile version it brings the destination to.
 */
public record Delivery(String workspaceId, String profileId, String kind, ObjectNode event) {
    public static final String UPSERT = ChangeKind.UPSERT.value();
    public static final String DELETE = ChangeKind.DELETE.value();

    public boolean isDelete() {
        return DELETE.equals(kind);
    }

    public ObjectNode identifiers() {
        return event.with("identifiers");
    }

    public ObjectNode traits() {
        return event.with("traits");
    }

    public boolean created() {
        return event.path("created").asBoolean(false);
    }
}
