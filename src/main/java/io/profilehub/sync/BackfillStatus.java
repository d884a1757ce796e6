package io.profilehub.sync;

import com.fasterxml.jackson.annotation.JsonValue;
import io.micronaut.core.convert.ConversionContext;
import io.micronaut.data.model.runtime.convert.AttributeConverter;
import jakarta.inject.Singleton;

import java.util.Arrays;

/** A backfill job's state, as backfill_jobs.status holds it (CHECK constraint of V24) and the API shows it. */
public enum BackfillStatus {
    RUNNING("running"), COMPLETED("completed"), FAILED("failed");

    private final String value;

    BackfillStatus(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    public static BackfillStatus of(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backfill status '" + value + "'"));
    }

    /** The column's value for the entity's property. */
    @Singleton
    public static class Column implements AttributeConverter<BackfillStatus, String> {
        @Override
        public String convertToPersistedValue(BackfillStatus status, ConversionContext context) {
            return status == null ? null : status.value;
        }

        @Override
        public BackfillStatus convertToEntityValue(String value, ConversionContext context) {
            return value == null ? null : of(value);
        }
    }
}
