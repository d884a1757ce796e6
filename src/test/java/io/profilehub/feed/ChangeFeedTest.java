package io.profilehub.feed;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.outbox.ChangeLogWriter;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.OpenApiContract;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /changes against the running service and this run's PostgreSQL: commit order across lanes (a change numbered
 * first and committed last is not skipped), the long poll woken by a commit, workspaces kept apart, cursors that
 * cannot be edited or carried to another workspace, erasure, and paging to the end while writers write.
 */
@MicronautTest(transactional = false)
class ChangeFeedTest extends ServiceTest {
    private final String otherWorkspace = "ws_feed_other_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_feed_other_" + UUID.randomUUID().toString().replace("-", "");
    private final OpenApiContract contract = new OpenApiContract();

    @Inject
    ChangeLogWriter writer;

    @Inject
    CommitWaiters waiters;

    @Override
    protected Map<String, String> extraProperties() {
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.bootstrap.keys[0].workspace", otherWorkspace);
        p.put("profilehub.bootstrap.keys[0].key", otherKey);
        return p;
    }

    @Test
    void aChangeNumberedFirstAndCommittedLastIsNotSkipped() throws Exception {
        String start = readToEnd(api(), null).cursor(); // whatever other tests wrote: behind us
        String longOne = idInLane(-1, -1);
        int lane = lane(longOne);
        String shortOne = idInLane(lane, -1);
        String otherLane = idInLane(-1, lane);

        CompletableFuture<Void> queued;
        String afterOther;
        try (Connection a = connection()) {
            a.setAutoCommit(false);
            writer.append(a, List.of(change(longOne, 1)));     // numbered (its id taken) first, not committed
            queued = CompletableFuture.runAsync(() -> commit(change(shortOne, 1)));   // waits for the lane
            commit(change(otherLane, 1));                      // another lane commits meanwhile

            JsonNode page = read(api(), start, 100);
            assertEquals(List.of(otherLane), profiles(page), "only the committed change is visible");
            afterOther = page.path("nextCursor").asText();
            assertFalse(queued.isDone(), "a later change of the same lane cannot commit before the open one");
            a.commit();                                        // commits last of the three
        }
        queued.get(10, TimeUnit.SECONDS);
        assertTrue(id(longOne) < id(otherLane), "the late change has the lower id: a single 'after id' would skip it");

        assertEquals(List.of(longOne, shortOne), profiles(read(api(), afterOther, 100)),
                "the late change is served after the position that had seen a higher id, before its lane's next");
        assertEquals(List.of(), profiles(read(api(), read(api(), afterOther, 100).path("nextCursor").asText(), 100)));
    }

    @Test
    void aWaitingReaderIsWokenByTheCommitNotByItsDeadline() throws Exception {
        String after = readToEnd(api(), null).cursor();
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> poll = HttpClient.newHttpClient().sendAsync(
                api().builder("/changes?after=" + after + "&wait=25").timeout(Duration.ofSeconds(40)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        Awaits.until(Duration.ofSeconds(10), () -> waiters.waiting(workspace) > 0);
        assertFalse(poll.isDone(), "nothing new: the reader waits");

        String id = create("{\"identifiers\":{\"email\":\"woken-" + UUID.randomUUID() + "@example.com\"}}");
        HttpResponse<String> answer = poll.get(20, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals(List.of(id), profiles(Api.json(answer.body())));
        assertTrue(seconds < 20, "answered at the commit, not at the end of the wait: " + seconds + " s");
        assertEquals(0, waiters.waiting(workspace), "an answered reader leaves no waiter behind");
    }

    @Test
    void aWaitWithoutCommitsEndsWithAnEmptyPageAndTheSameCursor() {
        String after = readToEnd(api(), null).cursor();
        long started = System.nanoTime();
        JsonNode page = read(api(), after, "&wait=1");
        assertTrue(System.nanoTime() - started >= 1_000_000_000L, "waited the second asked for");
        assertEquals(0, page.path("data").size());
        assertEquals(after, page.path("nextCursor").asText());
        assertEquals(0, waiters.waiting(workspace));
    }

    @Test
    void eachWorkspaceReadsOnlyItsOwnChangesAndCursors() {
        String mine = create("{\"identifiers\":{\"email\":\"mine-" + UUID.randomUUID() + "@example.com\"}}");
        Api other = api().withKey(otherKey);
        String theirs = expect201(other.post("/identify",
                "{\"identifiers\":{\"email\":\"theirs-" + UUID.randomUUID() + "@example.com\"}}"));

        Feed my = readToEnd(api(), null);
        Feed their = readToEnd(other, null);
        assertTrue(my.profiles().contains(mine));
        assertFalse(my.profiles().contains(theirs));
        assertEquals(List.of(theirs), their.profiles());
        for (JsonNode item : my.items()) {
            assertEquals(workspace, item.path("workspaceId").asText());
        }

        assertProblem(api().get("/changes?after=" + their.cursor()), 400, "not a cursor of this workspace's feed");
        assertProblem(other.get("/changes?after=" + my.cursor()), 400, "not a cursor of this workspace's feed");
    }

    @Test
    void anEditedCursorIsRefused() {
        create("{\"identifiers\":{\"email\":\"edit-" + UUID.randomUUID() + "@example.com\"}}");
        String cursor = readToEnd(api(), null).cursor();
        String body = cursor.substring(0, cursor.indexOf('.'));
        String signature = cursor.substring(cursor.indexOf('.'));
        // The same signature over a position moved back to the start of one lane, and a flipped signature letter.
        byte[] bytes = java.util.Base64.getUrlDecoder().decode(body);
        bytes[bytes.length - 1] = (byte) (bytes[bytes.length - 1] == 0 ? 1 : 0);
        String moved = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + signature;
        assertNotEquals(cursor, moved);
        assertProblem(api().get("/changes?after=" + moved), 400, "edited");
        String flipped = cursor.substring(0, cursor.length() - 1) + (cursor.endsWith("A") ? "B" : "A");
        assertProblem(api().get("/changes?after=" + flipped), 400, "edited");
        assertProblem(api().get("/changes?after=nonsense"), 400, "'after' is malformed");
        assertEquals(200, api().get("/changes?after=" + cursor).status());
    }

    @Test
    void badParametersAreRefusedSayingWhatIsRight() {
        assertProblem(api().get("/changes?limit=0"), 400, "'limit' must be a whole number from 1 to 1000");
        assertProblem(api().get("/changes?limit=1001"), 400, "from 1 to 1000");
        assertProblem(api().get("/changes?limit="), 400, "'limit'");
        assertProblem(api().get("/changes?wait=31"), 400, "'wait' must be a whole number from 0 to 30");
        assertProblem(api().get("/changes?wait=1.5"), 400, "'wait'");
        assertProblem(api().get("/changes?wiat=5"), 400, "Unknown query parameter 'wiat'");
        assertProblem(api().get("/changes?limit=1&limit=2"), 400, "given 2 times");
    }

    @Test
    void anErasedPersonsChangesLeaveTheFeed() {
        String erased = create("{\"identifiers\":{\"email\":\"gone-" + UUID.randomUUID() + "@example.com\"},"
                + "\"traits\":{\"plan\":\"pro\"}}");
        assertEquals(200, api().post("/identify/" + erased, "{\"traits\":{\"plan\":\"free\"}}").status());
        String kept = create("{\"identifiers\":{\"email\":\"kept-" + UUID.randomUUID() + "@example.com\"}}");
        assertEquals(2, readToEnd(api(), null).profiles().stream().filter(erased::equals).count());

        assertEquals(202, api().delete("/identify/" + erased).status());
        Feed after = readToEnd(api(), null);
        assertFalse(after.profiles().contains(erased), "no change of the erased person is served");
        assertFalse(after.body().contains("gone-"), "nor any of their values");
        assertTrue(after.profiles().contains(kept));
    }

    @Test
    void pagingWhileWritersWriteServesEveryChangeOnceInEachProfilesOrder() throws Exception {
        String start = readToEnd(api(), null).cursor();
        Map<String, Long> acknowledged = new ConcurrentHashMap<>(); // profile -> last version acknowledged
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writerNo = w;
            done.add(writers.submit(() -> {
                for (int i = 0; i < 15; i++) {
                    String id = create("{\"identifiers\":{\"email\":\"w" + writerNo + "-" + i + "-"
                            + UUID.randomUUID() + "@example.com\"}}");
                    acknowledged.put(id, 1L);
                    for (int v = 2; v <= 3; v++) {
                        Api.Response r = api().post("/identify/" + id, "{\"traits\":{\"n\":" + v + "}}");
                        assertEquals(200, r.status(), r.body());
                        acknowledged.put(id, r.json().path("version").asLong());
                    }
                }
                return null;
            }));
        }
        List<JsonNode> served = new ArrayList<>();
        String cursor = start;
        while (writing.get()) {
            JsonNode page = read(api(), cursor, 7);
            page.path("data").forEach(served::add);
            cursor = page.path("nextCursor").asText();
            writing.set(done.stream().anyMatch(f -> !f.isDone()));
        }
        for (Future<?> f : done) {
            f.get();
        }
        writers.shutdown();
        Feed rest = readToEnd(api(), cursor);
        served.addAll(rest.items());

        Map<String, List<Long>> versions = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode item : served) {
            assertTrue(seen.add(item.path("profileId").asText() + "@" + item.path("version").asLong()),
                    "served twice: " + item);
            versions.computeIfAbsent(item.path("profileId").asText(), k -> new ArrayList<>())
                    .add(item.path("version").asLong());
        }
        assertEquals(acknowledged.keySet(), versions.keySet(), "every written profile, nothing else");
        acknowledged.forEach((id, last) -> assertEquals(List.of(1L, 2L, 3L), versions.get(id),
                "every version of " + id + ", in order"));
        assertEquals(3L * acknowledged.size(), served.size());
        assertEquals(List.of(), idsOutOfLaneOrder(), "within a lane, ids grow with seq (the feed relies on it)");
    }

    @Test
    void itemsAreWebhookEventsWithTheirCursor() {
        String id = create("{\"identifiers\":{\"email\":\"doc-" + UUID.randomUUID() + "@example.com\"},"
                + "\"traits\":{\"plan\":\"pro\"}}");
        Feed feed = readToEnd(api(), null);
        JsonNode item = feed.items().stream().filter(i -> i.path("profileId").asText().equals(id)).findFirst()
                .orElseThrow();
        assertTrue(item.path("cursor").asText().contains("."), item.toString());
        var event = ((com.fasterxml.jackson.databind.node.ObjectNode) item.deepCopy());
        event.remove("cursor");
        assertEquals(List.of(), contract.schemaViolations("WebhookEvent", event.toString()), event.toString());
        // Resuming from an item's cursor serves what came after it, and nothing before it.
        List<String> later = readToEnd(api(), item.path("cursor").asText()).profiles();
        assertFalse(later.contains(id));
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    record Feed(List<JsonNode> items, String cursor, String body) {
        List<String> profiles() {
            return items.stream().map(i -> i.path("profileId").asText()).toList();
        }
    }

    private Feed readToEnd(Api api, String after) {
        List<JsonNode> items = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        String cursor = after;
        while (true) {
            JsonNode page = read(api, cursor, 100);
            body.append(page);
            page.path("data").forEach(items::add);
            cursor = page.path("nextCursor").asText();
            if (page.path("data").size() < 100) {
                return new Feed(items, cursor, body.toString());
            }
        }
    }

    private JsonNode read(Api api, String after, int limit) {
        return read(api, after, "&limit=" + limit);
    }

    private JsonNode read(Api api, String after, String more) {
        Api.Response r = api.get("/changes?" + (after == null ? "" : "after=" + after) + more);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static List<String> profiles(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(i -> ids.add(i.path("profileId").asText()));
        return ids;
    }

    private String create(String body) {
        return expect201(api().post("/identify", body));
    }

    private static String expect201(Api.Response r) {
        assertEquals(201, r.status(), r.body());
        return r.json().path("id").asText();
    }

    private ChangeLogWriter.Change change(String profileId, long version) {
        String event = "{\"type\":\"profile.upsert\",\"profileId\":\"" + profileId + "\",\"workspaceId\":\""
                + workspace + "\",\"version\":" + version + ",\"created\":true,"
                + "\"occurredAt\":\"2026-12-01T00:00:00.000+00:00\",\"identifiers\":{},\"traits\":{\"late\":true}}";
        return ChangeLogWriter.Change.upsert(workspace, profileId, version, event);
    }

    private void commit(ChangeLogWriter.Change change) {
        try (Connection c = connection()) {
            c.setAutoCommit(false);
            writer.append(c, List.of(change));
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection connection() throws SQLException {
        Connection c = TestDatabase.connect();
        c.setSchema("profilehub");
        return c;
    }

    /** A profile id (of the form usr_ + 16) in {@code lane} (any when negative), and not in {@code notLane}. */
    private String idInLane(int lane, int notLane) throws SQLException {
        while (true) {
            String id = "usr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
            int its = lane(id);
            if ((lane < 0 || its == lane) && its != notLane) {
                return id;
            }
        }
    }

    private int lane(String profileId) throws SQLException {
        return (int) number("select change_lane(?, ?)", workspace, profileId);
    }

    private long id(String profileId) throws SQLException {
        return number("select max(id) from change_log where workspace_id = ? and profile_id = ?", workspace, profileId);
    }

    private long number(String sql, String... parameters) throws SQLException {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Changes of this workspace whose id is below that of an earlier-numbered change of their lane. */
    private List<String> idsOutOfLaneOrder() throws SQLException {
        List<String> wrong = new ArrayList<>();
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement("""
                select lane, seq, id from (
                    select lane, seq, id, lag(id) over (partition by lane order by seq) as before
                      from change_log where workspace_id = ?) x
                 where id < before""")) {
            ps.setString(1, workspace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    wrong.add(rs.getInt(1) + "/" + rs.getLong(2) + "/" + rs.getLong(3));
                }
            }
        }
        return wrong;
    }
}
