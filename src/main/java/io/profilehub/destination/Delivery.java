package io.profilehub.destination;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.Timestamps;

import java.util.List;

/**
 * One change to deliver for one profile: the event document (several consecutive upserts already composed into
 * one) with {@code type} "profile.upsert" or "profile.delete", {@code identifiers} and {@code traits} as merge
 * patches, and {@code version}, the profile version it brings the destination to. {@code lane} is the profile's lane
 * of the change log (0-63; -1 where the delivery was not read from it), {@code origins} what made each change it
 * carries, in order.
 */
public record Delivery(String workspaceId, String profileId, String kind, ObjectNode event, int lane,
                       List<ChangeOrigin> origins) {
    public static final String UPSERT = ChangeKind.UPSERT.value();
    public static final String DELETE = ChangeKind.DELETE.value();

    public Delivery(String workspaceId, String profileId, String kind, ObjectNode event) {
        this(workspaceId, profileId, kind, event, -1, List.of());
    }

    /** The same delivery carrying another event document. */
    public Delivery withEvent(ObjectNode other) {
        return new Delivery(workspaceId, profileId, kind, other, lane, origins);
    }

    /**
     * The event document as receivers get it (the {@code WebhookEvent} schema): the API's one timestamp format
     * (PostgreSQL writes microseconds and +00:00 into the stored event), without the engine's own fields. A copy.
     */
    public ObjectNode document() {
        ObjectNode document = (ObjectNode) Timestamps.event(event.deepCopy());
        document.remove("result");
        return document;
    }

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
