package io.profilehub.history;

import com.fasterxml.jackson.databind.JsonNode;
import io.profilehub.http.JsonInput;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The replay of change-log documents into field changes, without a database. */
class FieldChangesTest {

    private static JsonNode json(String text) {
        try {
            return JsonInput.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String shown(List<FieldChanges.Change> changes) {
        StringBuilder b = new StringBuilder();
        for (FieldChanges.Change c : changes) {
            b.append(c.path()).append(':').append(c.oldKnown() ? String.valueOf(c.oldValue()) : "?")
                    .append("->").append(c.newValue()).append(' ');
        }
        return b.toString().trim();
    }

    @Test
    void updatesWithoutAKnownStateHaveUnknownOldValuesUntilAWholeStateArrives() {
        FieldChanges replay = new FieldChanges();
        assertEquals("traits.address.city:?->\"Oslo\" traits.plan:?->\"pro\"", shown(replay.replay(5L, "upsert",
                json("{\"traits\":{\"plan\":\"pro\",\"address\":{\"city\":\"Oslo\"}}}"))));
        assertEquals("traits.address.city:\"Oslo\"->\"Bergen\" traits.address.zip:?->\"5003\"",
                shown(replay.replay(6L, "upsert", json("{\"traits\":{\"address\":{\"city\":\"Bergen\",\"zip\":\"5003\"}}}"))));
        // a whole state (backfill, merge): known fields compare, the others are reported with unknown old values
        assertEquals("identifiers.email:?->\"a@example.com\" traits.plan:\"pro\"->\"team\"",
                shown(replay.replay(7L, "upsert", json("{\"full\":true,\"identifiers\":{\"email\":\"a@example.com\"},"
                        + "\"traits\":{\"plan\":\"team\",\"address\":{\"city\":\"Bergen\",\"zip\":\"5003\"}}}"))));
        assertEquals("traits.seats:null->1", shown(replay.replay(8L, "upsert", json("{\"traits\":{\"seats\":1}}"))),
                "after a whole state every old value is known");
    }

    @Test
    void removingAnObjectReportsItsLeavesAndAnErasureEmptiesEverything() {
        FieldChanges replay = new FieldChanges();
        replay.replay(1L, "upsert", json("{\"created\":true,\"identifiers\":{\"name\":{\"first\":\"A\",\"last\":\"B\"}},"
                + "\"traits\":{\"plan\":\"free\"}}"));
        assertEquals("identifiers.name.first:\"A\"->null identifiers.name.last:\"B\"->null",
                shown(replay.replay(2L, "upsert", json("{\"identifiers\":{\"name\":null}}"))));
        assertNull(replay.replay(2L, "upsert", json("{\"full\":true,\"traits\":{}}")), "a copy of version 2");
        assertNull(replay.replay(3L, "upsert", json("{\"scrubbed\":true}")));
        assertEquals("traits.plan:\"free\"->null", shown(replay.replay(4L, "delete", json("{\"type\":\"profile.erase\"}"))));
    }

    @Test
    void aScalarReplacedByAnObjectIsOneChangeOfTheWholeValue() {
        FieldChanges replay = new FieldChanges();
        replay.replay(1L, "upsert", json("{\"created\":true,\"identifiers\":{},\"traits\":{\"address\":\"unknown\"}}"));
        assertEquals("traits.address:\"unknown\"->{\"city\":\"Oslo\"}",
                shown(replay.replay(2L, "upsert", json("{\"traits\":{\"address\":{\"city\":\"Oslo\",\"zip\":null}}}"))));
        assertEquals("traits.address:{\"city\":\"Oslo\"}->[1,2]",
                shown(replay.replay(3L, "upsert", json("{\"traits\":{\"address\":[1,2]}}"))));
    }
}
