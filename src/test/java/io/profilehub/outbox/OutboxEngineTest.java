package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest(transactional = false)
class OutboxEngineTest extends ServiceTest {
    private final RandomFaults faults = new RandomFaults();
    private final WireMockServer main = new WireMockServer(options().dynamicPort().extensions(faults));
    private final WireMockServer other = new WireMockServer(options().dynamicPort());

    @Inject
    DeliveryRepository deliveries;
    @Inject
    TransactionOperations<Connection> tx;

    @Override
    protected Map<String, String> extraProperties() {
        main.start();
        other.start();
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.destinations.main.type", "webhook");
        p.put("profilehub.destinations.main.url", main.baseUrl() + "/hook");
        p.put("profilehub.destinations.main.token", "main-secret");
        p.put("profilehub.destinations.main.concurrency", "4");
        p.put("profilehub.destinations.other.type", "webhook");
        p.put("profilehub.destinations.other.url", other.baseUrl() + "/hook");
        p.put("profilehub.destinations.other.token", "other-secret");
        p.put("profilehub.destinations.other.timeout", "300ms");
        // Serving this workspace alone, both may be paused by its admin.
        p.put("profilehub.destinations.main.workspaces", workspace);
        p.put("profilehub.destinations.other.workspaces", workspace);
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.max-delay", "400ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "30ms");
        p.put("profilehub.outbox.retry.max-attempts", "50");
        p.put("profilehub.outbox.poll-interval", "500ms");
        p.put("profilehub.destinations.main.timeout", "2s");
        return p;
    }

    @BeforeEach
    void reset() {
        faults.set(0, 0);
        for (WireMockServer s : List.of(main, other)) {
            s.resetAll();
            s.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        }
        api().post("/sync/destinations/main/resume", "{}");
        api().post("/sync/destinations/other/resume", "{}");
    }

    @AfterAll
    void stopServers() {
        main.stop();
        other.stop();
    }

    @Test
    void keepsPerProfileOrderUnderRandomFailures() throws Exception {
        faults.set(0.25, 0.10);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<String>> futures = new ArrayList<>();
        for (int p = 0; p < 50; p++) {
            int n = p;
            futures.add(pool.submit(() -> {
                String id = api().post("/identify", "{\"identifiers\":{\"order\":\"p" + n + "\"},\"traits\":{\"step\":0}}")
                        .json().get("id").asText();
                for (int step = 1; step <= 6; step++) {
                    String traits = "{\"step\":" + step + ",\"s" + step + "\":" + step
                            + (step % 3 == 0 ? ",\"s" + (step - 1) + "\":null" : "")
                            + (ThreadLocalRandom.current().nextBoolean() ? ",\"nested\":{\"k" + step + "\":true}" : "") + "}";
                    assertEquals(200, api().post("/identify/" + id, "{\"traits\":" + traits + "}").status());
                }
                return id;
            }));
        }
        List<String> ids = new ArrayList<>();
        for (Future<String> f : futures) {
            ids.add(f.get());
        }
        pool.shutdown();
        Awaits.until(Duration.ofSeconds(60), () -> pendingFor("main") == 0);
        faults.set(0, 0);

        Map<String, List<JsonNode>> accepted = Deliveries.accepted(main);
        for (String id : ids) {
            List<JsonNode> events = accepted.get(id);
            assertNotNull(events, "nothing delivered for " + id);
            long previous = 0;
            for (JsonNode e : events) {
                long version = e.get("version").asLong();
                assertTrue(version > previous, "versions of " + id + " out of order: " + events);
                previous = version;
            }
            JsonNode profile = api().get("/identify/" + id).json();
            assertEquals(profile.get("version").asLong(), previous, "last delivered version is the current one");
            assertEquals(profile.get("traits"), Deliveries.replay(events, "traits"),
                    "replaying the accepted patches gives the profile ProfileHub holds");
        }
        long failures = main.getAllServeEvents().stream().filter(e -> e.getResponse().getStatus() >= 400).count();
        assertTrue(failures > 0, "faults were injected");
    }

    @Test
    void honoursRetryAfter() {
        main.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.identifiers.k", com.github.tomakehurst.wiremock.client.WireMock.equalTo("retry-after")))
                .inScenario("ra").whenScenarioStateIs("Started")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")).willSetStateTo("ok"));
        main.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.identifiers.k", com.github.tomakehurst.wiremock.client.WireMock.equalTo("retry-after")))
                .inScenario("ra").whenScenarioStateIs("ok").willReturn(aResponse().withStatus(200)));
        String id = api().post("/identify", "{\"identifiers\":{\"k\":\"retry-after\"}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(15), () -> requests(main, id).size() == 2);
        List<ServeEvent> requests = requests(main, id);
        Duration gap = Duration.between(requests.get(0).getRequest().getLoggedDate().toInstant(),
                requests.get(1).getRequest().getLoggedDate().toInstant());
        assertTrue(gap.toMillis() >= 1900, "second attempt came " + gap.toMillis() + " ms after a Retry-After of 2 s");
    }

    @Test
    void deadLettersPermanentRefusalsAndRetriesThem() {
        main.stubFor(post(urlEqualTo("/hook")).withRequestBody(matchingJsonPath("$.profileId", com.github.tomakehurst.wiremock.client.WireMock.matching(".*")))
                .withRequestBody(matchingJsonPath("$.traits.bad")).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"bad is not allowed\"}")));
        String id = api().post("/identify", "{\"identifiers\":{\"k\":\"dead\"},\"traits\":{\"bad\":true}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(10), () -> deadLetters(id).size() == 1);
        JsonNode dead = deadLetters(id).get(0);
        assertEquals(422, dead.get("lastStatus").asInt());
        assertTrue(dead.get("lastError").asText().contains("bad is not allowed"));
        assertEquals(1, requests(main, id).size(), "a permanent refusal is not retried");

        // A dead event does not block the profile's later changes.
        api().post("/identify/" + id, "{\"traits\":{\"bad\":null,\"good\":1}}");
        Awaits.until(Duration.ofSeconds(10), () -> requests(main, id).size() == 2);

        main.resetAll();
        main.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        Api.Response retry = api().post("/sync/dead-letters/" + dead.get("id").asText() + "/retry", "{}");
        assertEquals(202, retry.status(), retry.body());
        Awaits.until(Duration.ofSeconds(10), () -> requests(main, id).size() == 1);
        JsonNode resent = Api.json(requests(main, id).get(0).getRequest().getBodyAsString());
        assertEquals(Api.json("{\"good\":1}"), resent.get("traits"), "a retried upsert sends the current state");
        Awaits.until(Duration.ofSeconds(10), () -> deadLetters(id).isEmpty());
    }

    @Test
    void refusedCredentialsPauseOnlyThatDestination() {
        other.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(401).withBody("{\"error\":\"bad token other-secret\"}")));
        String id = api().post("/identify", "{\"identifiers\":{\"k\":\"pause\"}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(10), () -> destination("other").get("paused").asBoolean());
        JsonNode status = destination("other");
        assertTrue(status.get("pausedReason").asText().contains("401"));
        assertFalse(status.toString().contains("other-secret"), "no secret in status output");
        Awaits.until(Duration.ofSeconds(10), () -> requests(main, id).size() == 1);
        // Retries left by earlier tests may reach 'other' before the pause, so count what arrives after it.
        int sent = other.getAllServeEvents().size();
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertEquals(sent, other.getAllServeEvents().size(), "a paused destination stops sending");

        other.resetAll();
        other.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        api().post("/sync/destinations/other/resume", "{}");
        Awaits.until(Duration.ofSeconds(10), () -> requests(other, id).size() == 1);
    }

    @Test
    void slowDestinationDoesNotDelayTheOthers() {
        other.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200).withFixedDelay(2000)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(api().post("/identify", "{\"identifiers\":{\"k\":\"slow-" + i + "\"}}").json().get("id").asText());
        }
        Instant start = Instant.now();
        Awaits.until(Duration.ofSeconds(10), () -> ids.stream().allMatch(id -> requests(main, id).size() == 1));
        assertTrue(Duration.between(start, Instant.now()).toMillis() < 3000,
                "main delivered everything while other timed out");
        assertTrue(pendingFor("other") > 0, "the slow destination is still behind");
    }

    @Test
    void expiredLeaseOfACrashedWorkerIsClaimedAgain() {
        api().post("/sync/destinations/main/pause", "{}");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(api().post("/identify", "{\"identifiers\":{\"k\":\"crash-" + i + "\"}}").json().get("id").asText());
        }
        // A worker that leases every lane with changes and dies without settling them.
        List<DeliveryRepository.Lease> ghost = tx.executeWrite(s -> deliveries.lease(s.getConnection(), "main", 64,
                Duration.ofSeconds(2), "ghost-worker"));
        assertFalse(ghost.isEmpty(), "the ghost leased the lanes");
        api().post("/sync/destinations/main/resume", "{}");
        Awaits.until(Duration.ofSeconds(15), () -> ids.stream().allMatch(id -> requests(main, id).size() == 1),
                () -> ids.stream().map(id -> requests(main, id).size() + "").toList() + " "
                        + api().get("/identify/" + ids.get(0) + "/sync").body() + " " + destination("main"));
    }

    @Test
    void aLaterAttemptNeverCarriesLessThanAnEarlierOne() {
        // An attempt the vendor may have taken (a timeout on our side, or a worker that died after sending) must be
        // followed by one carrying at least the same changes: else the vendor gets version 4 and then version 2.
        api().post("/sync/destinations/main/pause", "{}");
        String id = api().post("/identify", "{\"identifiers\":{\"k\":\"carried\"},\"traits\":{\"n\":1}}")
                .json().get("id").asText();
        for (int n = 2; n <= 4; n++) {
            assertEquals(200, api().post("/identify/" + id, "{\"traits\":{\"n\":" + n + "}}").status());
        }
        main.resetAll();
        main.stubFor(post(urlEqualTo("/hook")).inScenario("t").whenScenarioStateIs("Started")
                .willReturn(aResponse().withStatus(503)).willSetStateTo("failed"));
        main.stubFor(post(urlEqualTo("/hook")).inScenario("t").whenScenarioStateIs("failed")
                .willReturn(aResponse().withStatus(200)));
        api().post("/sync/destinations/main/resume", "{}");
        Awaits.until(Duration.ofSeconds(15), () -> requests(main, id).size() == 2);
        for (ServeEvent request : requests(main, id)) {
            JsonNode sent = Api.json(request.getRequest().getBodyAsString());
            assertEquals(4, sent.get("version").asLong(), "every attempt carries all four changes: " + sent);
        }
        Awaits.until(Duration.ofSeconds(15), () -> pendingFor("main") == 0 && pendingFor("other") == 0);
    }

    @Test
    void eventsAreWrittenOnlyOnCommit() throws Exception {
        String a = api().post("/identify", "{\"identifiers\":{\"email\":\"commit-a@example.com\"}}").json().get("id").asText();
        String b = api().post("/identify", "{\"identifiers\":{\"email\":\"commit-b@example.com\"}}").json().get("id").asText();
        assertEquals(409, api().post("/identify/" + b, "{\"identifiers\":{\"email\":\"commit-a@example.com\"},\"traits\":{\"x\":1}}").status());
        assertEquals(412, api().send("POST", "/identify/" + b, "{\"traits\":{\"x\":1}}",
                Map.of("Content-Type", "application/json", "If-Match", "\"7\"")).status());
        try (Connection c = TestDatabase.connect();
             PreparedStatement ps = c.prepareStatement("select count(*), max(version) from profilehub.change_log where profile_id = ?")) {
            ps.setString(1, b);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(1, rs.getInt(1), "one change for every destination, nothing from the refused updates");
                assertEquals(1, rs.getInt(2));
            }
        }
        assertNotNull(a);
    }

    @Test
    void aSecondBackfillWhileOneRunsIsRefusedNamingTheFirst() {
        // One running, as a long backfill would be (a real one here finishes at once).
        String firstId = Rows.strings("insert into profilehub.backfill_jobs (workspace_id, id, destination) "
                + "values (?, 'bf_heldrunning00001', 'main') returning id", workspace).get(0);
        Api.Response second = api().post("/sync/destinations/main/backfill", "{}");
        assertProblem(second, 409, firstId, "already running");
        assertEquals(firstId, second.json().get("backfillId").asText());
        assertEquals(202, api().post("/sync/destinations/other/backfill", "{}").status(),
                "another destination's backfill is not held up");
        Rows.strings("update profilehub.backfill_jobs set status = 'completed', finished_at = now() where id = ? "
                + "returning id", firstId);
        assertEquals(202, api().post("/sync/destinations/main/backfill", "{}").status());
    }

    @Test
    void backfillReachesEveryProfile() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add(api().post("/identify", "{\"identifiers\":{\"k\":\"backfill-" + i + "\"},\"traits\":{\"i\":" + i + "}}").json().get("id").asText());
        }
        Awaits.until(Duration.ofSeconds(10), () -> ids.stream().allMatch(id -> requests(other, id).size() == 1));
        Api.Response started = api().post("/sync/destinations/other/backfill", "{}");
        assertEquals(202, started.status(), started.body());
        String location = started.header("Location");
        Awaits.until(Duration.ofSeconds(10), () -> api().get(location).json().get("status").asText().equals("completed"));
        Awaits.until(Duration.ofSeconds(15), () -> ids.stream().allMatch(id -> requests(other, id).size() == 2));
        for (String id : ids) {
            JsonNode full = Api.json(requests(other, id).get(1).getRequest().getBodyAsString());
            assertTrue(full.get("full").asBoolean());
            assertEquals(api().get("/identify/" + id).json().get("traits"), full.get("traits"));
        }
        assertTrue(api().get(location).json().get("enqueued").asLong() >= ids.size());
    }

    @Test
    void profileSyncStateShowsEachDestination() {
        String id = api().post("/identify", "{\"identifiers\":{\"k\":\"sync-state\"}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(10), () -> requests(main, id).size() == 1 && requests(other, id).size() == 1,
                () -> "main " + requests(main, id).size() + ", other " + requests(other, id).size() + "; "
                        + api().get("/identify/" + id + "/sync").body() + "; " + api().get("/sync/destinations").body());
        Awaits.until(Duration.ofSeconds(10), () -> {
            JsonNode sync = api().get("/identify/" + id + "/sync").json();
            return sync.get("destinations").size() == 2
                    && sync.get("destinations").findValuesAsText("status").stream().allMatch("delivered"::equals);
        });
    }

    private List<JsonNode> deadLetters(String profileId) {
        List<JsonNode> rows = new ArrayList<>();
        api().get("/sync/dead-letters?destination=main").json().get("data").forEach(d -> {
            if (d.get("userId").asText().equals(profileId)) {
                rows.add(d);
            }
        });
        return rows;
    }

    private JsonNode destination(String name) {
        for (JsonNode d : api().get("/sync/destinations").json().get("data")) {
            if (d.get("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError("no destination " + name);
    }

    private long pendingFor(String name) {
        JsonNode d = destination(name);
        return d.get("pending").asLong() + d.get("inFlight").asLong();
    }

    private static List<ServeEvent> requests(WireMockServer server, String profileId) {
        return server.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains(profileId))
                .sorted((x, y) -> x.getRequest().getLoggedDate().compareTo(y.getRequest().getLoggedDate()))
                .toList();
    }
}
