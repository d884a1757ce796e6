package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A composed patch must do to every document what its two patches do in turn, or not exist. */
class MergePatchesTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void composedPatchEqualsPatchesInTurnOnRandomDocuments() {
        Random random = new Random(7);
        int composed = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            ObjectNode a = object(random, 2, true);
            ObjectNode b = object(random, 2, true);
            ObjectNode ab = MergePatches.compose(a, b);
            if (ab == null) {
                continue;
            }
            composed++;
            for (int d = 0; d < 5; d++) {
                ObjectNode doc = object(random, 2, false);
                JsonNode inTurn = SessionLimitsTest.applyMergePatch(SessionLimitsTest.applyMergePatch(doc, a), b);
                assertEquals(inTurn, SessionLimitsTest.applyMergePatch(doc, ab), "a=" + a + " b=" + b + " doc=" + doc);
            }
        }
        assertEquals(true, composed > 10_000, "most pairs compose: " + composed);
    }

    @Test
    void anObjectOverAnEarlierScalarOrRemovalDoesNotCompose() {
        ObjectNode object = F.objectNode();
        object.set("k", F.objectNode().put("x", 1));
        assertNull(MergePatches.compose(F.objectNode().put("k", 1), object));
        assertNull(MergePatches.compose(F.objectNode().putNull("k"), object));
    }

    private static ObjectNode object(Random random, int depth, boolean nulls) {
        ObjectNode o = F.objectNode();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            String key = "k" + random.nextInt(4);
            int kind = random.nextInt(depth > 0 ? 4 : 3);
            if (kind == 0 && nulls) {
                o.putNull(key);
            } else if (kind == 3) {
                o.set(key, object(random, depth - 1, nulls));
            } else if (kind == 2) {
                o.set(key, F.arrayNode().add(random.nextInt(3)));
            } else {
                o.put(key, random.nextInt(3));
            }
        }
        return o;
    }
}
