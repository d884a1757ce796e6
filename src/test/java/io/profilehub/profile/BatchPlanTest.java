package io.profilehub.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;
import io.profilehub.identity.IdentityConfiguration;
import io.profilehub.identity.IdentityKey;
import io.profilehub.identity.IdentityKeys;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The planner alone, without a database: what the database holds is given as maps. */
class BatchPlanTest {
    private final IdentityKeys keys = new IdentityKeys(new IdentityConfiguration(List.of("email", "userId"),
            List.of("email"), List.of("anonymous")));
    private final Map<IdentityKey, String> owners = new HashMap<>();
    private final Map<String, Long> existing = new HashMap<>();
    private final Map<IdentityKey, String> suppressed = new HashMap<>();
    private final List<BatchPlan.Item> items = new ArrayList<>();
    private int next;
    private final Supplier<String> newIds = () -> "usr_new" + (++next);

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JsonInput.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void identify(String identifiers, String traits) {
        items.add(new BatchPlan.Item(items.size(), null, json(identifiers), traits == null ? null : json(traits), null, null,
                null));
    }

    private void update(String id, String identifiers, Long expectedVersion) {
        items.add(new BatchPlan.Item(items.size(), id, identifiers == null ? null : json(identifiers), null, null,
                expectedVersion, null));
    }

    private void held(String id, String name, String value) {
        owners.put(new IdentityKey(name, value), id);
        existing.putIfAbsent(id, 1L);
    }

    private BatchPlan plan() {
        return BatchPlan.of(items, owners, existing, suppressed, keys, newIds);
    }

    private static BatchPlan.Step stepOf(BatchPlan plan, int index) {
        return plan.steps().stream().filter(s -> s.items().stream().anyMatch(i -> i.index() == index))
                .findFirst().orElseThrow(() -> new AssertionError("no step for item " + index));
    }

    @Test
    void twoItemsClaimingTheSameNewValueCreateOnceThenMerge() {
        identify("{\"email\":\"Ann@Example.com\"}", "{\"a\":1}");
        identify("{\"email\":\"ann@example.com\",\"userId\":\"u-1\"}", "{\"b\":2}");
        BatchPlan plan = plan();
        assertEquals(Map.of(), plan.failures());
        BatchPlan.Step create = stepOf(plan, 0);
        BatchPlan.Step merge = stepOf(plan, 1);
        assertEquals(BatchPlan.Kind.CREATE, create.kind());
        assertEquals(201, create.status());
        assertEquals(BatchPlan.Kind.MERGE, merge.kind());
        assertEquals(200, merge.status());
        assertEquals(create.profileId(), merge.profileId(), "the second item finds the profile the first created");
        assertTrue(merge.wave() > create.wave(), "the merge runs after the create");
        assertEquals(List.of(new IdentityKey("email", "ann@example.com")), create.claims());
        assertTrue(merge.wanted().contains(new IdentityKey("userId", "u-1")));
    }

    @Test
    void identifiersOfTwoProfilesAreAConflictAndNothingIsPlannedForThem() {
        held("usr_A", "email", "a@example.com");
        held("usr_B", "userId", "u-b");
        identify("{\"email\":\"a@example.com\",\"userId\":\"u-b\"}", null);
        identify("{\"email\":\"c@example.com\"}", null);
        BatchPlan plan = plan();
        ProblemException conflict = plan.failures().get(0);
        assertEquals(409, conflict.status().getCode());
        assertTrue(conflict.getMessage().startsWith("The identifiers match 2 different profiles: usr_A (email), "
                + "usr_B (userId)."), conflict.getMessage());
        assertEquals(List.of("usr_A", "usr_B"), conflict.extensions().get("profiles"));
        assertEquals(1, plan.steps().size());
        assertEquals(BatchPlan.Kind.CREATE, stepOf(plan, 1).kind());
    }

    @Test
    void aValueClaimedEarlierInTheBatchIsTakenForALaterUpdate() {
        held("usr_A", "email", "a@example.com");
        identify("{\"email\":\"new@example.com\"}", null);
        update("usr_A", "{\"email\":\"new@example.com\"}", null);
        BatchPlan plan = plan();
        String created = stepOf(plan, 0).profileId();
        ProblemException conflict = plan.failures().get(1);
        assertEquals(409, conflict.status().getCode());
        assertEquals("This change would give usr_A a unique identifier another profile holds: email is already used by "
                + created + ". Nothing was changed.", conflict.getMessage());
    }

    @Test
    void aReleasedValueCanBeClaimedByALaterItem() {
        held("usr_A", "email", "a@example.com");
        update("usr_A", "{\"email\":\"a2@example.com\"}", null);
        identify("{\"email\":\"a@example.com\"}", null);
        BatchPlan plan = plan();
        assertEquals(Map.of(), plan.failures());
        BatchPlan.Step create = stepOf(plan, 1);
        assertEquals(BatchPlan.Kind.CREATE, create.kind(), "the value usr_A gave up is free again");
        assertTrue(create.wave() > stepOf(plan, 0).wave(), "claimed only after it was released");
    }

    @Test
    void suppressedValuesAreNotCreatedNorMergedIn() {
        suppressed.put(new IdentityKey("email", "gone@example.com"), "hash-1");
        held("usr_A", "email", "a@example.com");
        identify("{\"email\":\"Gone@example.com\"}", null);
        update("usr_A", "{\"email\":\"gone@example.com\"}", null);
        BatchPlan plan = plan();
        for (int i = 0; i < 2; i++) {
            ProblemException refusal = plan.failures().get(i);
            assertEquals(409, refusal.status().getCode());
            assertEquals(List.of("hash-1"), refusal.extensions().get("suppressions"));
        }
        assertTrue(plan.steps().isEmpty());
    }

    @Test
    void unknownIdIsNotFoundAndStaleIfMatchFailsBeforeAnythingElse() {
        existing.put("usr_A", 3L);
        update("usr_missing", null, null);
        update("usr_A", "{\"email\":\"x@example.com\"}", 2L);
        BatchPlan plan = plan();
        assertEquals(404, plan.failures().get(0).status().getCode());
        assertEquals(412, plan.failures().get(1).status().getCode());
        assertEquals("If-Match expected version 2 but the user is at version 3; read it again and retry.",
                plan.failures().get(1).getMessage());
        assertTrue(plan.steps().isEmpty());
    }

    @Test
    void consecutiveUpdatesOfOneProfileComposeIntoOneStep() {
        existing.put("usr_A", 1L);
        update("usr_A", null, null);
        update("usr_A", null, null);
        update("usr_A", null, 1L); // If-Match: never composed
        BatchPlan plan = plan();
        assertEquals(2, plan.steps().size());
        assertEquals(2, stepOf(plan, 0).items().size());
        assertNull(stepOf(plan, 0).expectedVersion());
        assertEquals(1L, stepOf(plan, 2).expectedVersion());
    }

    @Test
    void junkValuesNeverResolve() {
        held("usr_A", "email", "anonymous");
        identify("{\"email\":\"Anonymous\"}", null);
        BatchPlan plan = plan();
        assertEquals(BatchPlan.Kind.CREATE, stepOf(plan, 0).kind());
        assertEquals(List.of(), stepOf(plan, 0).claims());
    }
}
