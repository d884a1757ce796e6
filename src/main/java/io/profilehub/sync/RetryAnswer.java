package io.profilehub.sync;

/** How many dead letters a retry queued again. */
public record RetryAnswer(int retried) {
}
