package io.profilehub.http;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TimestampsTest {
    private static final DateTimeFormatter PATTERN =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void handWrittenFormatMatchesThePatternForAnyInstant() {
        SplittableRandom random = new SplittableRandom(12);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(min, max + 1), random.nextInt(1_000_000_000));
            assertEquals(PATTERN.format(instant), Timestamps.iso(instant), instant::toString);
        }
    }

    @Test
    void edgesAndYearsBeyondFourDigits() {
        for (String s : new String[] {"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z",
                "2026-02-28T23:59:59.9995Z", "2024-02-29T12:00:00.001Z", "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999Z", "+10000-01-01T00:00:00Z", "-0001-06-01T00:00:00Z"}) {
            Instant instant = Instant.parse(s);
            assertEquals(PATTERN.format(instant), Timestamps.iso(instant), s);
        }
        assertEquals("2026-11-30T02:10:28.123Z", Timestamps.iso(Instant.parse("2026-11-30T02:10:28.123456Z")));
        assertNull(Timestamps.iso((Instant) null));
    }
}
