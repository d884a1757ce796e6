package io.profilehub.destination.mapping;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.Outcome;
import io.profilehub.support.Api;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfileChangesTest {
    private final List<Collection<String>> loads = new ArrayList<>();

    private ProfileChanges.Store store(Map<String, ProfileChanges.Stored> profiles) {
        return (workspace, ids) -> {
            loads.add(ids);
            return profiles;
        };
    }

    private static ObjectNode json(String text) {
        return (ObjectNode) Api.json(text);
    }

    private static Delivery upsert(String id, String event) {
        return new Delivery("ws", id, Delivery.UPSERT, json(event));
    }

    @Test
    void aCreateNeedsNoLookupAndSendsNestedObjectsWithoutComposedRemovals() {
        ProfileChanges changes = new ProfileChanges(store(Map.of()), null);
        ProfileChanges.Resolved r = changes.resolve(List.of(upsert("usr_1", """
                {"created":true,"occurredAt":"2025-03-01T10:00:00.123456+02:00",
                 "identifiers":{"email":"a@example.com"},"traits":{"gone":null,"address":{"street":null,"city":"X"}}}""")))
                .get(0);

        assertTrue(loads.isEmpty());
        ProfileChange c = r.change();
        assertEquals("usr_1", c.userId());
        assertTrue(c.whole());
        assertEquals("2025-03-01T08:00:00.123456Z", c.occurredAt().toString(), "always UTC");
        assertEquals(json("{\"gone\":null,\"address\":{\"city\":\"X\"}}"), c.traits());
        assertEquals("a@example.com", c.currentIdentifier("email"));
    }

    @Test
    void anUpdateTakesScalarsFromThePatchAndNestedObjectsWhole() {
        ProfileChanges changes = new ProfileChanges(store(Map.of("usr_1", new ProfileChanges.Stored(
                json("{\"email\":\"a@example.com\"}"),
                json("{\"plan\":\"pro\",\"address\":{\"street\":\"1 Way\",\"city\":\"Y\"}}")))), null);
        ProfileChange c = changes.resolve(List.of(upsert("usr_1", """
                {"created":false,"occurredAt":"2025-03-01T10:00:00Z",
                 "traits":{"plan":"pro","old":null,"address":{"city":"Y"},"box":{"n":1}}}"""))).get(0).change();

        assertFalse(c.whole());
        assertEquals(json("{\"plan\":\"pro\",\"old\":null,\"address\":{\"street\":\"1 Way\",\"city\":\"Y\"},\"box\":null}"),
                c.traits(), "box is gone by now, so it goes as null");
        assertEquals("a@example.com", c.currentIdentifier("email"), "unchanged lookup keys come from the store");
        assertEquals(List.of(List.of("usr_1")), loads.stream().map(List::copyOf).toList(), "one load per batch");
    }

    @Test
    void anIdentifierAsVendorUserIdMustExistAndANewOneSendsTheWholeProfile() {
        ProfileChanges.Stored now = new ProfileChanges.Stored(json("{\"externalId\":\"crm-2\"}"), json("{\"a\":1}"));
        ProfileChanges changes = new ProfileChanges(store(Map.of("usr_1", now)), "externalId");

        ProfileChange renamed = changes.resolve(List.of(upsert("usr_1",
                "{\"identifiers\":{\"externalId\":\"crm-2\"}}"))).get(0).change();
        assertEquals("crm-2", renamed.userId());
        assertTrue(renamed.whole());
        assertEquals(json("{\"a\":1}"), renamed.traits());

        Outcome refused = new ProfileChanges(store(Map.of()), "externalId").resolve(List.of(upsert("usr_2",
                "{\"created\":true,\"identifiers\":{\"email\":\"b@example.com\"}}"))).get(0).outcome();
        assertEquals(Outcome.Kind.DEAD, refused.kind());
        assertEquals(400, refused.status(), "a 400 keeps engine bisection working in a batch");
        assertTrue(refused.detail().contains("no 'externalId' identifier"), refused.detail());
    }

    @Test
    void anUpdateOfAProfileDeletedSinceIsSettledWithoutSending() {
        ProfileChanges.Resolved r = new ProfileChanges(store(Map.of()), null)
                .resolve(List.of(upsert("usr_9", "{\"traits\":{\"a\":1}}"))).get(0);
        assertNull(r.change());
        assertEquals(Outcome.Kind.DELIVERED, r.outcome().kind());
        assertEquals(0, r.outcome().status());
    }
}
