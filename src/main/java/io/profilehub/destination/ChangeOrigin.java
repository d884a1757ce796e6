package io.profilehub.destination;

/**
 * What made one change (db/V19): its cause ("create", "update", "merge", "undo", "erasure", "backfill", "retry") and
 * the API key and caller's {@code X-ProfileHub-Source} label it came through. Each may be null (changes written before
 * V19, a label erasure removed). Connectors that can carry it beside the event (Kafka headers) do.
 */
public record ChangeOrigin(String cause, String sourceKeyId, String sourceLabel) {
    public static final ChangeOrigin NONE = new ChangeOrigin(null, null, null);
}
