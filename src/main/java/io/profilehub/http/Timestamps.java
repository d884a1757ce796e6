package io.profilehub.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The one format of every timestamp ProfileHub answers or sends: ISO-8601 in UTC with {@code Z} and exactly three
 * fractional digits ({@code 2026-11-30T02:10:28.123Z}), so clients can compare them as strings and parse them with
 * one pattern whatever the database's precision.
 */
public final class Timestamps {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    public static String iso(Instant instant) {
        return instant == null ? null : FORMAT.format(instant);
    }

    public static String iso(Timestamp timestamp) {
        return timestamp == null ? null : iso(timestamp.toInstant());
    }

    /**
     * A copy of a stored outbox event with its {@code occurredAt} (written by PostgreSQL) in the one format, for
     * whatever shows or sends the event.
     */
    public static JsonNode event(JsonNode event) {
        if (!(event instanceof ObjectNode object) || !object.path("occurredAt").isTextual()) {
            return event;
        }
        ObjectNode copy = object.deepCopy();
        copy.put("occurredAt", iso(object.get("occurredAt").asText()));
        return copy;
    }

    /** A timestamp PostgreSQL wrote into JSON ({@code …28.123456+00:00}), in the one format. */
    public static String iso(String written) {
        return written == null ? null : iso(OffsetDateTime.parse(written).toInstant());
    }
}
