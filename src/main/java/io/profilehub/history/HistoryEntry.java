package io.profilehub.history;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One field's change. {@code old}/{@code new} null: the field had no value. {@code oldKnown} false: the previous
 * state is not in the change log any more (the oldest change kept was an update), so {@code old} is null and says
 * nothing. {@code cause}: create, update, merge, undo, erasure, backfill or retry.
 */
@JsonPropertyOrder({"field", "old", "oldKnown", "new", "version", "time", "cause", "source"})
public record HistoryEntry(String field, @JsonProperty("old") JsonNode oldValue, boolean oldKnown,
                           @JsonProperty("new") JsonNode newValue, Long version, String time, String cause,
                           Source source) {

    /** Who made the change: the API key's id and name at the time (never its secret) and the caller's label. */
    @JsonPropertyOrder({"keyId", "keyName", "label"})
    public record Source(String keyId, String keyName, String label) {
    }
}
