package io.profilehub.destination;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;

/**
 * What a change does, as change_log.kind and dead_letters.kind hold it (CHECK constraints of V18): an upsert carries
 * the profile's state, a delete its erasure. {@link Delivery} carries the same words to the connectors.
 */
public enum ChangeKind {
    UPSERT("upsert"), DELETE("delete");

    private final String value;

    ChangeKind(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    public static ChangeKind of(String value) {
        return Arrays.stream(values()).filter(k -> k.value.equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no change kind '" + value + "'"));
    }
}
