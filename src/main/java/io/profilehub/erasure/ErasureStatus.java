package io.profilehub.erasure;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Optional;

/**
 * An erasure's state, as erasures.status holds it (CHECK constraint of V24) and the API shows it: in progress while
 * any destination is still pending.
 */
public enum ErasureStatus {
    IN_PROGRESS("in_progress"), COMPLETED("completed");

    private final String value;

    ErasureStatus(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    public static Optional<ErasureStatus> find(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst();
    }

    public static ErasureStatus of(String value) {
        return find(value).orElseThrow(() -> new IllegalArgumentException("no erasure status '" + value + "'"));
    }
}
