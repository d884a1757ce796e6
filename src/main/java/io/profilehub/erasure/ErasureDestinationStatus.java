package io.profilehub.erasure;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;

/**
 * An erasure's state at one destination, as erasure_destinations.status holds it (CHECK constraint of V24):
 * pending until its change settles, then the connector's result word (erased, scrubbed, unsupported) or dead.
 * The delivery engine writes the words (outbox/RoundSettlement, destination/Outcome); this is where they are read.
 */
public enum ErasureDestinationStatus {
    PENDING("pending"), ERASED("erased"), SCRUBBED("scrubbed"), UNSUPPORTED("unsupported"), DEAD("dead");

    private final String value;

    ErasureDestinationStatus(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    public static ErasureDestinationStatus of(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no erasure destination status '" + value + "'"));
    }
}
