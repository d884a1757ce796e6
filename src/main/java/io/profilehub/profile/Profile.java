package io.profilehub.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Attuitive's user object plus {@code version}. Timestamps are ISO-8601 UTC strings. */
@JsonPropertyOrder({"id", "workspaceId", "identifiers", "traits", "createdAt", "updatedAt", "version"})
public record Profile(String id, String workspaceId, ObjectNode identifiers, ObjectNode traits, String createdAt,
                      String updatedAt, long version) {
}
