package io.profilehub.destination;

import java.time.Duration;

/**
 * What became of one delivery. {@code status} is the HTTP status (0 when no answer came), {@code detail} what the
 * vendor said or why we did not send; neither ever holds a secret.
 */
public record Outcome(Kind kind, int status, String detail, Duration retryAfter, String result) {
    public enum Kind {
        /** Accepted by the vendor. */
        DELIVERED,
        /** Worth trying again later: network error, timeout, 429, 5xx. */
        RETRY,
        /** Can never succeed as it is: dead-letter it. */
        DEAD,
        /** The vendor refused our credentials: pause the whole destination. */
        PAUSE
    }

    public static Outcome delivered(int status) {
        return new Outcome(Kind.DELIVERED, status, null, null, null);
    }

    /** Delivered, with a result word for erasure status ("erased", "scrubbed", "unsupported") and a note. */
    public static Outcome delivered(int status, String result, String note) {
        return new Outcome(Kind.DELIVERED, status, note, null, result);
    }

    public static Outcome retry(int status, String detail, Duration retryAfter) {
        return new Outcome(Kind.RETRY, status, detail, retryAfter, null);
    }

    public static Outcome dead(int status, String detail) {
        return new Outcome(Kind.DEAD, status, detail, null, null);
    }

    public static Outcome pause(int status, String detail) {
        return new Outcome(Kind.PAUSE, status, detail, null, null);
    }
}
