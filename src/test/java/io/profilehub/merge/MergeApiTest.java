package io.profilehub.merge;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merging two profiles, the aliases absorbed ids leave, undo, expiry of the kept state, and erasure of a survivor. */
@MicronautTest(transactional = false)
class MergeApiTest extends ServiceTest {
    private static final int LIMIT = 4096;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.limits.max-profile-bytes", Integer.toString(LIMIT));
    }

    @Test
    void survivorWinsConflictsByDefaultAndObjectsMergeRecursively() {
        String tag = unique();
        String a = create("{\"identifiers\":{\"email\":\"a-" + tag + "@x.io\",\"externalId\":\"ext-" + tag + "\","
                + "\"name\":{\"first\":\"Ann\",\"last\":\"Able\"}},"
                + "\"traits\":{\"plan\":\"free\",\"onlyA\":1,\"nested\":{\"x\":1,\"y\":1}}}");
        String b = create("{\"identifiers\":{\"email\":\"b-" + tag + "@x.io\",\"name\":{\"first\":\"Bea\"}},"
                + "\"traits\":{\"plan\":\"pro\",\"onlyB\":2,\"nested\":{\"y\":2,\"z\":2}}}");

        Api.Response merged = api().send("POST", "/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}",
                Map.of("Content-Type", "application/json", "X-ProfileHub-Source", "crm-dedupe"));
        assertEquals(200, merged.status(), merged.body());
        JsonNode profile = merged.json().get("profile");
        assertEquals(b, profile.get("id").asText());
        assertEquals(Api.json("{\"email\":\"b-" + tag + "@x.io\",\"externalId\":\"ext-" + tag + "\","
                + "\"name\":{\"first\":\"Bea\",\"last\":\"Able\"}}"), profile.get("identifiers"));
        assertEquals(Api.json("{\"plan\":\"pro\",\"onlyA\":1,\"onlyB\":2,\"nested\":{\"x\":1,\"y\":2,\"z\":2}}"),
                profile.get("traits"));
        JsonNode merge = merged.json().get("merge");
        assertTrue(merge.get("id").asText().matches("mrg_[A-Za-z0-9]{16}"), merge.toString());
        assertEquals(b, merge.get("survivorId").asText());
        assertEquals(a, merge.get("absorbedId").asText());
        assertEquals("survivor", merge.get("prefer").asText());
        assertEquals(profile.get("version").asLong(), merge.get("survivorVersion").asLong());
        assertEquals(Api.json("[{\"name\":\"email\",\"value\":\"a-" + tag + "@x.io\"}]"), merge.get("releasedKeys"));
        assertEquals("\"" + profile.get("version").asLong() + "\"", merged.header("ETag"));

        // The keys moved: each value finds the survivor; the losing email is free again.
        assertEquals(List.of(b), search("externalId=ext-" + tag));
        assertEquals(List.of(b), search("email=b-" + tag + "@x.io"));
        assertEquals(List.of(), search("email=a-" + tag + "@x.io"));
        assertEquals(List.of(b), Rows.strings("select distinct profile_id from profilehub.identity_keys "
                + "where workspace_id = ? and key_value in (?, ?)", workspace, "ext-" + tag, "b-" + tag + "@x.io"));
        assertEquals(profile, api().get("/identify/" + b).json());

        // The record says who asked.
        JsonNode record = api().get("/merges/" + merge.get("id").asText()).json();
        assertEquals("merged", record.get("status").asText());
        assertEquals(b, record.get("survivorId").asText());
        assertTrue(record.get("source").get("keyId").isTextual(), record.toString());
        assertTrue(record.get("source").get("keyName").isTextual(), record.toString());
        assertEquals("crm-dedupe", record.get("source").get("label").asText());
        // The change log records the merge as what it is, with its source.
        assertEquals(List.of("merge|crm-dedupe"), Rows.strings("select cause || '|' || source_label from profilehub.change_log "
                + "where workspace_id = ? and profile_id = ? and version = ?", workspace, b, profile.get("version").asLong()));
    }

    @Test
    void preferFromKeepsTheAbsorbedValues() {
        String tag = unique();
        String c = create("{\"identifiers\":{\"email\":\"c-" + tag + "@x.io\"},\"traits\":{\"plan\":\"pro\",\"n\":{\"k\":\"c\",\"c\":1}}}");
        String d = create("{\"identifiers\":{\"email\":\"d-" + tag + "@x.io\"},\"traits\":{\"plan\":\"free\",\"n\":{\"k\":\"d\"}}}");
        Api.Response merged = api().post("/identify/" + c + "/merge", "{\"from\":\"" + d + "\",\"prefer\":\"from\"}");
        assertEquals(200, merged.status(), merged.body());
        JsonNode p = merged.json().get("profile");
        assertEquals(c, p.get("id").asText());
        assertEquals(Api.json("{\"email\":\"d-" + tag + "@x.io\"}"), p.get("identifiers"));
        assertEquals(Api.json("{\"plan\":\"free\",\"n\":{\"k\":\"d\",\"c\":1}}"), p.get("traits"));
        assertEquals(List.of(c), search("email=d-" + tag + "@x.io"));
        assertEquals(List.of(), search("email=c-" + tag + "@x.io"));
    }

    @Test
    void refusesBadRequestsClearly() {
        String a = create("{\"identifiers\":{\"email\":\"bad-" + unique() + "@x.io\"}}");
        assertProblem(api().post("/identify/" + a + "/merge", "{\"from\":\"" + a + "\"}"), 400, "itself");
        assertProblem(api().post("/identify/" + a + "/merge", "{}"), 400, "'from'");
        assertProblem(api().post("/identify/" + a + "/merge", "{\"from\":\"usr_x\"}"), 400, "'from'");
        assertProblem(api().post("/identify/" + a + "/merge", "{\"from\":\"usr_AAAAAAAAAAAAAAAA\",\"x\":1}"), 400, "'x'");
        String b = create("{\"identifiers\":{\"email\":\"bad2-" + unique() + "@x.io\"}}");
        assertProblem(api().post("/identify/" + a + "/merge", "{\"from\":\"" + b + "\",\"prefer\":\"mine\"}"), 400, "prefer");
        assertProblem(api().post("/identify/" + a + "/merge", "{\"from\":\"usr_AAAAAAAAAAAAAAAA\"}"), 422, "usr_AAAAAAAAAAAAAAAA");
        assertProblem(api().post("/identify/usr_AAAAAAAAAAAAAAAA/merge", "{\"from\":\"" + a + "\"}"), 404);
        assertProblem(api().get("/merges/mrg_AAAAAAAAAAAAAAAA"), 404);
        assertProblem(api().get("/merges/nope"), 400, "merge id");
        assertProblem(api().post("/merges/mrg_AAAAAAAAAAAAAAAA/undo", "{}"), 404);
        assertEquals(1, api().get("/identify/" + a).json().get("version").asLong(), "nothing was written");
    }

    @Test
    void theMergedProfileMayNotExceedTheSizeLimit() {
        String half = "x".repeat(LIMIT / 2);
        String a = create("{\"identifiers\":{\"email\":\"big-a-" + unique() + "@x.io\"},\"traits\":{\"a\":\"" + half + "\"}}");
        String b = create("{\"identifiers\":{\"email\":\"big-b-" + unique() + "@x.io\"},\"traits\":{\"b\":\"" + half + "\"}}");
        String before = Rows.footprint(workspace);
        assertProblem(api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}"), 422,
                String.valueOf(LIMIT), "Nothing was changed");
        assertEquals(before, Rows.footprint(workspace));
        assertEquals(200, api().get("/identify/" + a).status());
    }

    @Test
    void theAbsorbedIdAnswers308OnEveryMethodAndPath() {
        String tag = unique();
        String a = create("{\"identifiers\":{\"email\":\"alias-a-" + tag + "@x.io\"}}");
        String b = create("{\"identifiers\":{\"email\":\"alias-b-" + tag + "@x.io\"}}");
        String other = create("{\"identifiers\":{\"email\":\"alias-o-" + tag + "@x.io\"}}");
        String mergeId = api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}").json()
                .get("merge").get("id").asText();

        assertMoved(api().get("/identify/" + a), "/identify/" + b, b, mergeId);
        assertMoved(api().get("/identify/" + a + "?fields=x"), "/identify/" + b + "?fields=x", b, mergeId);
        assertMoved(api().post("/identify/" + a, "{\"traits\":{\"t\":1}}"), "/identify/" + b, b, mergeId);
        assertMoved(api().post("/track/" + a, "{\"traits\":{\"t\":1}}"), "/track/" + b, b, mergeId);
        assertMoved(api().get("/identify/" + a + "/sync"), "/identify/" + b + "/sync", b, mergeId);
        assertMoved(api().get("/identify/" + a + "/history?field=traits.t"),
                "/identify/" + b + "/history?field=traits.t", b, mergeId);
        assertMoved(api().get("/identify/" + a + "/export"), "/identify/" + b + "/export", b, mergeId);
        // As survivor of another merge: the same merge at the survivor means the same.
        assertMoved(api().post("/identify/" + a + "/merge", "{\"from\":\"" + other + "\"}"),
                "/identify/" + b + "/merge", b, mergeId);
        assertMoved(api().delete("/identify/" + a), "/identify/" + b, b, mergeId);
        assertEquals(200, api().get("/identify/" + b).status(), "the DELETE was not followed");
        assertEquals(0, api().get("/identify/" + b).json().get("traits").size(), "nothing was written to the survivor");

        // As 'from': 409 naming the profile it is part of (a redirect would repeat the same body).
        Api.Response fromAlias = api().post("/identify/" + other + "/merge", "{\"from\":\"" + a + "\"}");
        assertProblem(fromAlias, 409, a, b, mergeId);
        assertEquals(b, fromAlias.json().get("profileId").asText());
        assertProblem(api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}"), 409, "already merged");
        assertProblem(api().post("/identify/" + a + "/merge", "{\"from\":\"" + b + "\"}"), 409, "already merged");

        // Only in the workspace that merged: unknown ids elsewhere stay 404.
        assertEquals(404, api().get("/identify/usr_ZZZZZZZZZZZZZZZZ").status());
    }

    private void assertMoved(Api.Response r, String location, String survivor, String mergeId) {
        assertProblem(r, 308, survivor, mergeId);
        assertEquals(location, r.header("Location"), r.body());
        assertEquals(survivor, r.json().get("profileId").asText());
        assertEquals(mergeId, r.json().get("mergeId").asText());
    }

    @Test
    void concurrentOppositeMergesLeaveOneSurvivorAndNoDeadlock() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 50; round++) {
                String tag = unique();
                String a = create("{\"identifiers\":{\"email\":\"race-a-" + tag + "@x.io\"},\"traits\":{\"a\":" + round + "}}");
                String b = create("{\"identifiers\":{\"email\":\"race-b-" + tag + "@x.io\"},\"traits\":{\"b\":" + round + "}}");
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Api.Response> intoB = pool.submit(() -> {
                    start.await();
                    return api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}");
                });
                Future<Api.Response> intoA = pool.submit(() -> {
                    start.await();
                    return api().post("/identify/" + a + "/merge", "{\"from\":\"" + b + "\"}");
                });
                Api.Response rb = intoB.get();
                Api.Response ra = intoA.get();
                Set<Integer> statuses = Set.of(rb.status(), ra.status());
                assertEquals(Set.of(200, 409), statuses, "round " + round + ": " + rb.body() + " / " + ra.body());
                Api.Response won = rb.status() == 200 ? rb : ra;
                Api.Response lost = rb.status() == 200 ? ra : rb;
                String survivor = won.json().get("profile").get("id").asText();
                String absorbed = survivor.equals(a) ? b : a;
                assertProblem(lost, 409, "already merged");
                assertEquals(survivor, lost.json().get("profileId").asText());
                assertEquals(1, Rows.count("select count(*) from profilehub.profiles where workspace_id = ? and id in (?, ?)",
                        workspace, a, b), "round " + round);
                assertEquals(200, api().get("/identify/" + survivor).status());
                assertEquals(308, api().get("/identify/" + absorbed).status());
                assertEquals(List.of(survivor), Rows.strings("select distinct profile_id from profilehub.identity_keys "
                        + "where workspace_id = ? and key_value in (?, ?)", workspace, "race-a-" + tag + "@x.io",
                        "race-b-" + tag + "@x.io"));
                JsonNode traits = api().get("/identify/" + survivor).json().get("traits");
                assertEquals(round, traits.get("a").asInt());
                assertEquals(round, traits.get("b").asInt());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void mergesRacingUpdatesLoseNoChange() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            for (int round = 0; round < 10; round++) {
                String tag = unique();
                String a = create("{\"identifiers\":{\"email\":\"upd-a-" + tag + "@x.io\"}}");
                String b = create("{\"identifiers\":{\"email\":\"upd-b-" + tag + "@x.io\"}}");
                CyclicBarrier start = new CyclicBarrier(5);
                List<Future<String>> writers = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    String target = w % 2 == 0 ? a : b;
                    String key = "w" + w;
                    writers.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 5; i++) {
                            // A client holding an old id follows the 308, as HTTP clients do.
                            String path = "/identify/" + target;
                            Api.Response r = api().post(path, "{\"traits\":{\"" + key + "_" + i + "\":true}}");
                            if (r.status() == 308) {
                                r = api().post(r.header("Location"), "{\"traits\":{\"" + key + "_" + i + "\":true}}");
                            }
                            if (r.status() != 200) {
                                return key + "_" + i + ": " + r.status() + " " + r.body();
                            }
                        }
                        return "ok";
                    }));
                }
                Future<Api.Response> merge = pool.submit(() -> {
                    start.await();
                    return api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}");
                });
                assertEquals(200, merge.get().status(), merge.get().body());
                for (Future<String> w : writers) {
                    assertEquals("ok", w.get());
                }
                JsonNode traits = api().get("/identify/" + b).json().get("traits");
                for (int w = 0; w < 4; w++) {
                    for (int i = 0; i < 5; i++) {
                        assertTrue(traits.has("w" + w + "_" + i), "round " + round + " lost w" + w + "_" + i + ": " + traits);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void identifiesByAnAbsorbedValueRacingTheMergeLoseNoChange() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 10; round++) {
                String tag = unique();
                // externalId only a has: it moves to b (a's email would lose to b's and be released)
                String extA = "idn-ext-" + tag;
                String a = create("{\"identifiers\":{\"email\":\"idn-a-" + tag + "@x.io\",\"externalId\":\"" + extA + "\"}}");
                String b = create("{\"identifiers\":{\"email\":\"idn-b-" + tag + "@x.io\"}}");
                CyclicBarrier start = new CyclicBarrier(3);
                List<Future<String>> writers = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    String key = "i" + w;
                    writers.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 5; i++) {
                            Api.Response r = api().post("/identify", "{\"identifiers\":{\"externalId\":\"" + extA
                                    + "\"},\"traits\":{\"" + key + "_" + i + "\":true}}");
                            if (r.status() != 200) {
                                return key + "_" + i + ": " + r.status() + " " + r.body();
                            }
                        }
                        return "ok";
                    }));
                }
                Future<Api.Response> merge = pool.submit(() -> {
                    start.await();
                    return api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}");
                });
                assertEquals(200, merge.get().status(), merge.get().body());
                for (Future<String> w : writers) {
                    assertEquals("ok", w.get(), "round " + round);
                }
                JsonNode traits = api().get("/identify/" + b).json().get("traits");
                for (int w = 0; w < 2; w++) {
                    for (int i = 0; i < 5; i++) {
                        assertTrue(traits.has("i" + w + "_" + i), "round " + round + " lost i" + w + "_" + i + ": " + traits);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void undoRestoresBothProfilesExactlyAndOnlyOnce() {
        String tag = unique();
        String a = create("{\"identifiers\":{\"email\":\"undo-a-" + tag + "@x.io\",\"externalId\":\"undo-ext-" + tag + "\","
                + "\"name\":{\"first\":\"Ann\"}},\"traits\":{\"plan\":\"free\",\"n\":{\"x\":1}}}");
        api().post("/identify/" + a, "{\"traits\":{\"seen\":2}}");
        String b = create("{\"identifiers\":{\"email\":\"undo-b-" + tag + "@x.io\",\"name\":{\"last\":\"Bee\"}},"
                + "\"traits\":{\"plan\":\"pro\",\"n\":{\"y\":2}}}");
        String c = create("{\"identifiers\":{\"phoneNumber\":\"+1555" + tag.hashCode() + "\"}}");
        // a had absorbed c earlier: undoing a's own merge must leave c an alias of a again.
        assertEquals(200, api().post("/identify/" + a + "/merge", "{\"from\":\"" + c + "\"}").status());
        JsonNode beforeA = api().get("/identify/" + a).json();
        JsonNode beforeB = api().get("/identify/" + b).json();
        List<String> keysA = keys(a);
        List<String> keysB = keys(b);

        String mergeId = api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}").json()
                .get("merge").get("id").asText();
        assertEquals(308, api().get("/identify/" + c).status());
        assertEquals("/identify/" + b, api().get("/identify/" + c).header("Location"), "one hop to the survivor");

        Api.Response undone = api().post("/merges/" + mergeId + "/undo", "{}");
        assertEquals(200, undone.status(), undone.body());
        assertEquals("undone", undone.json().get("merge").get("status").asText());
        assertTrue(undone.json().get("merge").get("undoneAt").isTextual());
        JsonNode afterA = api().get("/identify/" + a).json();
        JsonNode afterB = api().get("/identify/" + b).json();
        for (String field : List.of("id", "workspaceId", "identifiers", "traits", "createdAt")) {
            assertEquals(beforeA.get(field), afterA.get(field), field);
            assertEquals(beforeB.get(field), afterB.get(field), field);
        }
        assertEquals(undone.json().get("survivor"), afterB);
        assertEquals(undone.json().get("absorbed"), afterA);
        assertTrue(afterB.get("version").asLong() > beforeB.get("version").asLong(), "versions only go forward");
        assertEquals(keysA, keys(a));
        assertEquals(keysB, keys(b));
        assertEquals(List.of(a), search("email=undo-a-" + tag + "@x.io"));
        assertEquals(List.of(b), search("email=undo-b-" + tag + "@x.io"));
        assertEquals("/identify/" + a, api().get("/identify/" + c).header("Location"));
        assertEquals(0, Rows.count("select count(*) from profilehub.profile_aliases where workspace_id = ? and alias_id = ?",
                workspace, a));

        assertProblem(api().post("/merges/" + mergeId + "/undo", "{}"), 409, "already undone");
        assertEquals("undone", api().get("/merges/" + mergeId).json().get("status").asText());
    }

    @Test
    void undoRefusesOnceTheSurvivorChanged() {
        String tag = unique();
        String a = create("{\"identifiers\":{\"email\":\"chg-a-" + tag + "@x.io\"},\"traits\":{\"a\":1}}");
        String b = create("{\"identifiers\":{\"email\":\"chg-b-" + tag + "@x.io\"}}");
        JsonNode merge = api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}").json().get("merge");
        long mergedVersion = merge.get("survivorVersion").asLong();
        assertEquals(200, api().post("/track/" + b, "{\"traits\":{\"plan\":\"gold\"}}").status());
        String before = Rows.footprint(workspace);
        Api.Response refused = api().post("/merges/" + merge.get("id").asText() + "/undo", "{}");
        assertProblem(refused, 409, "version " + mergedVersion, "version " + (mergedVersion + 1), "traits.plan");
        assertEquals(Api.json("[\"traits.plan\"]"), refused.json().get("changedFields"));
        assertEquals(before, Rows.footprint(workspace));
        assertEquals(308, api().get("/identify/" + a).status());
    }

    @Test
    void theKeptStateIsDroppedAfterTheRetentionAndUndoThenAnswers410() {
        String a = create("{\"identifiers\":{\"email\":\"exp-a-" + unique() + "@x.io\"}}");
        String b = create("{\"identifiers\":{\"email\":\"exp-b-" + unique() + "@x.io\"}}");
        JsonNode merge = api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}").json().get("merge");
        String id = merge.get("id").asText();
        assertTrue(merge.get("undoableUntil").isTextual());
        MergeMaintenance maintenance = server.getApplicationContext().getBean(MergeMaintenance.class);
        maintenance.dropExpired();
        assertEquals(1, Rows.count("select count(*) from profilehub.merges where workspace_id = ? and id = ? "
                + "and before_survivor is not null and before_absorbed is not null", workspace, id), "not expired yet");
        assertEquals(30, Rows.count("select extract(day from expires_at - created_at)::int from profilehub.merges "
                + "where workspace_id = ? and id = ?", workspace, id), "30 days by default");

        Rows.strings("update profilehub.merges set expires_at = now() - interval '1 second' "
                + "where workspace_id = ? and id = ? returning id", workspace, id);
        assertTrue(maintenance.dropExpired() >= 1);
        assertEquals(1, Rows.count("select count(*) from profilehub.merges where workspace_id = ? and id = ? "
                + "and before_survivor is null and before_absorbed is null", workspace, id));
        JsonNode record = api().get("/merges/" + id).json();
        assertTrue(record.get("undoableUntil").isNull(), record.toString());
        assertProblem(api().post("/merges/" + id + "/undo", "{}"), 410, "undo-retention");
        assertEquals(308, api().get("/identify/" + a).status());
    }

    @Test
    void erasingASurvivorLeavesNothingOfEitherPersonInAnyTable() throws Exception {
        String tag = unique();
        List<String> values = List.of("erase-a-" + tag + "@x.io", "Annerase" + tag, "erase-b-" + tag + "@x.io",
                "Beaerase" + tag, "erase-c-" + tag + "@x.io", "trait-a-" + tag, "trait-c-" + tag);
        String a = create("{\"identifiers\":{\"email\":\"" + values.get(0) + "\",\"name\":\"" + values.get(1) + "\"},"
                + "\"traits\":{\"note\":\"" + values.get(5) + "\"}}");
        String b = create("{\"identifiers\":{\"email\":\"" + values.get(2) + "\",\"name\":\"" + values.get(3) + "\"}}");
        String c = create("{\"identifiers\":{\"email\":\"" + values.get(4) + "\"},\"traits\":{\"c\":\"" + values.get(6) + "\"}}");
        assertEquals(200, api().post("/identify/" + a + "/merge", "{\"from\":\"" + c + "\"}").status());
        // One merge undone, then done again: both records hold copies until the erasure.
        String undone = api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}").json().get("merge").get("id").asText();
        assertEquals(200, api().post("/merges/" + undone + "/undo", "{}").status());
        assertEquals(200, api().post("/identify/" + b + "/merge", "{\"from\":\"" + a + "\"}").status());
        tablesContaining(values).forEach((v, tables) ->
                assertFalse(tables.isEmpty(), v + " should be stored before the erasure"));

        assertEquals(202, api().delete("/identify/" + b).status());

        tablesContaining(values).forEach((v, tables) -> assertEquals(List.of(), tables, v + " remains"));
        // The absorbed ids are treated as the erased id is: retired, kept only where the erased id itself is kept.
        Map<String, List<String>> ids = tablesContaining(List.of(a, b, c));
        List<String> whereB = ids.get(b);
        for (String absorbed : List.of(a, c)) {
            List<String> where = ids.get(absorbed);
            assertTrue(whereB.containsAll(where), absorbed + " is in " + where + ", the erased id only in " + whereB);
            assertFalse(where.contains("profile_aliases") || where.contains("merges") || where.contains("profiles"), where.toString());
            assertEquals(1, Rows.count("select count(*) from profilehub.retired_profile_ids where workspace_id = ? and id = ?",
                    workspace, absorbed));
            assertEquals(404, api().get("/identify/" + absorbed).status());
        }
        assertEquals(404, api().get("/merges/" + undone).status());
    }

    /** The tables with a row whose text holds the value, by value. */
    static Map<String, List<String>> tablesContaining(List<String> values) {
        return Rows.tablesContaining(values, List.of("profiles", "identity_keys", "merges", "profile_aliases",
                "dead_letters", "idempotency_keys", "erasures"));
    }

    private List<String> keys(String id) {
        return Rows.strings("select key_name || '=' || key_value from profilehub.identity_keys "
                + "where workspace_id = ? and profile_id = ? order by 1", workspace, id);
    }

    private List<String> search(String query) {
        Api.Response r = api().get("/identify?" + query);
        assertEquals(200, r.status(), r.body());
        List<String> ids = new ArrayList<>();
        r.json().get("data").forEach(p -> ids.add(p.get("id").asText()));
        return ids;
    }

    private String create(String json) {
        Api.Response r = api().post("/identify", json);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
