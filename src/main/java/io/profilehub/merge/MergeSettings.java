package io.profilehub.merge;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/** {@code undoRetention}: how long a merge keeps both profiles' earlier state, so it can be undone. */
@ConfigurationProperties("profilehub.merges")
public record MergeSettings(@Bindable(defaultValue = "30d") Duration undoRetention) {
    public MergeSettings {
        if (undoRetention.isNegative() || undoRetention.isZero()) {
            throw new IllegalArgumentException("profilehub.merges.undo-retention must be positive, not " + undoRetention);
        }
    }
}
