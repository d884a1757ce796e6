package io.profilehub.outbox;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * {@code profilehub.history.*}: field history (GET /identify/{id}/history, the export) is read from the change log,
 * so the log keeps its days at least this long. It lives here, beside the maintenance that drops days, because the
 * history package sits above the outbox and the maintenance must not depend on it.
 */
@ConfigurationProperties("profilehub.history")
public record HistorySettings(@Bindable(defaultValue = "90d") Duration retention) {
}
