package io.profilehub.merge;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** A merge a profile took part in, as {@code GET /identify/{userId}/merges} lists it: ids, states and times only. */
@JsonPropertyOrder({"id", "role", "survivorId", "absorbedId", "status", "createdAt", "undoneAt"})
public record MergeSummary(String id, String role, String survivorId, String absorbedId, String status,
                           String createdAt, String undoneAt) {
}
