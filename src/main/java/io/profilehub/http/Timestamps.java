package io.profilehub.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
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

    /*
     * Written by hand for years 0000-9999: every profile answer carries two timestamps, and DateTimeFormatter's
     * pattern printer was ~2% of the service's CPU per GET (JFR, bench/README.md "CPU per request").
     */
    public static String iso(Instant instant) {
        if (instant == null) {
            return null;
        }
        LocalDateTime t = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), instant.getNano(), ZoneOffset.UTC);
        int year = t.getYear();
        if (year < 0 || year > 9999) {
            return FORMAT.format(instant);
        }
        char[] c = new char[24];
        digits(c, 0, year, 4);
        c[4] = '-';
        digits(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, t.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, t.getHour(), 2);
        c[13] = ':';
        digits(c, 14, t.getMinute(), 2);
        c[16] = ':';
        digits(c, 17, t.getSecond(), 2);
        c[19] = '.';
        digits(c, 20, t.getNano() / 1_000_000, 3);
        c[23] = 'Z';
        return new String(c);
    }

    private static void digits(char[] into, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            into[i] = (char) ('0' + value % 10);
            value /= 10;
        }
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
