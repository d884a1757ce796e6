package io.profilehub.destination;

import io.profilehub.destination.ChangeKind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.profilehub.support.Awaits;
import io.profilehub.outbox.ChangeLogWriter;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service with one destination of a vendor type (and a second one of the same type, with other options, for a
 * workspace of its own) against a WireMock fake of the vendor. The fake answers only requests whose method, path,
 * query and authentication are as the vendor documents them; anything else gets WireMock's 404, which dead-letters
 * the event and fails the test. The error-answer tests are the same for every vendor and live here.
 */
public abstract class VendorContractTest extends ServiceTest {
    protected static final String TOKEN = "tok/Secret+=" + UUID.randomUUID().toString().substring(0, 8);
    protected static final String ALT_TOKEN = "alt-token-" + UUID.randomUUID().toString().substring(0, 8);
    protected static final Duration WAIT = Duration.ofSeconds(15);
    /** The destinations' request timeout: short for the timeout test, long enough for a cold fake. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(2);

    protected final String main = type() + "main" + suffix();
    protected final String alt = type() + "alt" + suffix();
    protected final String altWorkspace = "ws_alt_" + suffix();
    protected final String altKey = "phk_test_alt_" + UUID.randomUUID().toString().replace("-", "");
    protected final WireMockServer vendor = new WireMockServer(options().port(freePort()));

    /** The destination type under test. */
    protected abstract String type();

    /** Type-specific options of the main destination (relative keys, such as project-id). */
    protected abstract Map<String, String> mainOptions();

    /** Type-specific options of the second destination of the same type. */
    protected abstract Map<String, String> altOptions();

    /** The stub of a request as the vendor document requires it of the main (false) or alt (true) destination. */
    protected abstract MappingBuilder documentedRequest(boolean alt);

    /** The documented success answer. */
    protected abstract ResponseDefinitionBuilder success();

    /** The per-profile items one logged request carries. */
    protected abstract List<JsonNode> items(LoggedRequest request);

    /** The vendor user id of an item. */
    protected abstract String userIdOf(JsonNode item);

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        warmUp();
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.bootstrap.keys[0].workspace", altWorkspace);
        p.put("profilehub.bootstrap.keys[0].key", altKey);
        p.put("profilehub.outbox.poll-interval", "100ms");
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.max-delay", "400ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        p.put("profilehub.outbox.retry.max-attempts", "12");
        destination(p, main, vendor.baseUrl(), TOKEN, workspace, mainOptions());
        destination(p, alt, vendor.baseUrl() + "/alt", ALT_TOKEN, altWorkspace, altOptions());
        return p;
    }

    private void destination(Map<String, String> p, String name, String url, String token, String ws,
                             Map<String, String> options) {
        String key = "profilehub.destinations." + name + ".";
        p.put(key + "type", type());
        p.put(key + "url", url);
        p.put(key + "token", token);
        p.put(key + "workspaces", ws);
        p.put(key + "timeout", TIMEOUT.toMillis() + "ms");
        options.forEach((k, v) -> p.put(key + k, v));
    }

    @BeforeEach
    void stubVendor() {
        vendor.resetAll();
        vendor.stubFor(documentedRequest(false).willReturn(success()));
        vendor.stubFor(documentedRequest(true).willReturn(success()));
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    // ---- the error answers, the same contract for every vendor ----

    @Test
    void badRequestIsDeadLetteredWithItsStatusAndNoSecret() {
        String email = unique("bad");
        vendor.stubFor(documentedRequest(false).atPriority(1).withRequestBody(containing(email))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"status\":400,\"message\":\"Bad request; you sent token " + TOKEN + "\"}")));
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\"}}");

        Event dead = awaitEvent(main, id, 1, "dead");
        assertEquals(400, dead.lastStatus());
        assertTrue(dead.lastError().contains("[REDACTED]"), dead.lastError());
        assertFalse(dead.lastError().contains(TOKEN), "the token never reaches the dead letter");
        assertEquals(1, itemsFor(false, id).size(), "a 400 is not retried");
    }

    @Test
    void unauthorizedPausesTheDestinationUntilResumed() throws Exception {
        String email = unique("unauth");
        vendor.stubFor(documentedRequest(false).atPriority(1).withRequestBody(containing(email))
                .inScenario("401").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("fixed")
                .willReturn(aResponse().withStatus(401).withBody("{\"message\":\"invalid token\"}")));
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\"}}");
        try {
            // Kept for after the resume, not dead (the pause is recorded just before the claim is settled).
            Awaits.until(WAIT, () -> paused(main) && events(main, id).get(0).status().equals("pending"));
            assertEquals(1, itemsFor(false, id).size(), "no further request while paused");
        } finally {
            resume(main);
        }
        awaitEvent(main, id, 1, "delivered");
        assertEquals(2, itemsFor(false, id).size());
    }

    @Test
    void tooManyRequestsWaitsAsLongAsRetryAfterSays() {
        String email = unique("ratelimited");
        vendor.stubFor(documentedRequest(false).atPriority(1).withRequestBody(containing(email))
                .inScenario("429").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("fixed")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")));
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\"}}");

        Event delivered = awaitEvent(main, id, 1, "delivered");
        assertEquals(2, delivered.attempts(), "the refused attempt and the one that delivered");
        List<LoggedRequest> tries = requestsFor(false, id);
        long gap = tries.get(1).getLoggedDate().getTime() - tries.get(0).getLoggedDate().getTime();
        assertTrue(gap >= 1000, "Retry-After: 1 honoured, but the retry came after " + gap + " ms");
    }

    @Test
    void tooManyRequestsWithoutRetryAfterBacksOffByPolicy() {
        String email = unique("ratelimited-bare");
        vendor.stubFor(documentedRequest(false).atPriority(1).withRequestBody(containing(email))
                .inScenario("429-bare").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("fixed")
                .willReturn(aResponse().withStatus(429)));
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\"}}");

        Event delivered = awaitEvent(main, id, 1, "delivered");
        assertEquals(2, delivered.attempts(), "the refused attempt and the one that delivered");
        List<LoggedRequest> tries = requestsFor(false, id);
        long gap = tries.get(1).getLoggedDate().getTime() - tries.get(0).getLoggedDate().getTime();
        assertTrue(gap < 1000, "the test policy's 50 ms backoff applies, not a second; the gap was " + gap + " ms");
    }

    @Test
    void serverErrorIsRetried() {
        String email = unique("fivehundred");
        vendor.stubFor(documentedRequest(false).atPriority(1).withRequestBody(containing(email))
                .inScenario("500").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("fixed")
                .willReturn(aResponse().withStatus(500).withBody("{\"status\":500,\"message\":\"oops\"}")));
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\"}}");

        Event delivered = awaitEvent(main, id, 1, "delivered");
        assertEquals(2, delivered.attempts(), "the refused attempt and the one that delivered");
        assertEquals(2, itemsFor(false, id).size());
    }

    @Test
    void timeoutIsRetried() {
        String email = unique("slow");
        vendor.stubFor(documentedRequest(false).atPriority(1).withRequestBody(containing(email))
                .inScenario("slow").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("fixed")
                .willReturn(success().withFixedDelay((int) TIMEOUT.toMillis() + 600)));
        String id = create("{\"identifiers\":{\"email\":\"" + email + "\"}}");

        Event delivered = awaitEvent(main, id, 1, "delivered");
        assertEquals(2, delivered.attempts(), "the timed-out attempt (its late answer did not count) and the one that delivered");
        assertEquals(2, itemsFor(false, id).size());
    }

    @Test
    void connectionRefusedIsRetriedThenDelivered() {
        vendor.stop();
        String id;
        try {
            id = create("{\"identifiers\":{\"email\":\"" + unique("refused") + "\"}}");
            Awaits.until(WAIT, () -> {
                Event e = events(main, id).get(0);
                return e.attempts() >= 2 && e.lastError() != null && e.lastError().contains("connection refused");
            });
            String status = events(main, id).get(0).status();
            assertTrue(status.equals("pending") || status.equals("in_flight"), "still being retried, not " + status);
        } finally {
            vendor.start();
            stubVendor();
        }
        awaitEvent(main, id, 1, "delivered");
        assertEquals(1, itemsFor(false, id).size());
    }

    /**
     * For batching vendors: four changes go in one request, which the vendor refuses as a whole with 400 because of
     * one of them. The batch is halved until that one is alone; the other three are delivered.
     */
    protected void aBatchRefusedForOneItemIsBisected() throws Exception {
        String poison = unique("poison");
        vendor.stubFor(documentedRequest(false).atPriority(1).withRequestBody(containing(poison))
                .willReturn(aResponse().withStatus(400).withBody("{\"message\":\"invalid input data\"}")));
        List<String> ids;
        pause(main);
        try {
            ids = createMany(List.of(
                    "{\"identifiers\":{\"email\":\"" + unique("ok1") + "\"}}",
                    "{\"identifiers\":{\"email\":\"" + poison + "\"}}",
                    "{\"identifiers\":{\"email\":\"" + unique("ok2") + "\"}}",
                    "{\"identifiers\":{\"email\":\"" + unique("ok3") + "\"}}"));
        } finally {
            resume(main);
        }
        for (String id : ids) {
            awaitSettled(main, id);
        }
        String poisoned = ids.get(1);
        assertEquals(400, events(main, poisoned).get(0).lastStatus());
        assertEquals("dead", events(main, poisoned).get(0).status());
        for (String id : ids) {
            if (!id.equals(poisoned)) {
                assertEquals("delivered", events(main, id).get(0).status(), id);
            }
        }
        assertEquals(4, items(requests(false).stream().filter(r -> requestsFor(false, poisoned).contains(r))
                .findFirst().orElseThrow()).size(), "all four went in one request first");
    }

    // ---- helpers ----

    private static final String SEED = """
            with input as (
                select t.value->'identifiers' as identifiers, coalesce(t.value->'traits', '{}'::jsonb) as traits, t.ord
                  from jsonb_array_elements(?::jsonb) with ordinality as t(value, ord)
            ), created as (
                insert into profiles (workspace_id, id, identifiers, traits)
                select ?, 'usr_' || substr(md5(random()::text || i.ord::text), 1, 16), i.identifiers, i.traits
                  from input i order by i.ord
                returning id, workspace_id, identifiers, traits, version, updated_at
            )
            select c.id, c.version,
                   jsonb_build_object('type', 'profile.upsert', 'profileId', c.id, 'workspaceId', c.workspace_id,
                                      'version', c.version, 'created', true, 'occurredAt', c.updated_at,
                                      'identifiers', c.identifiers, 'traits', c.traits)::text
              from created c
            """;

    /**
     * Creates profiles and their create events for the main destination in one transaction, as the profile store's
     * create does (without unique keys): the changes go into the log through the service's own ChangeLogWriter, which
     * numbers them in their lanes. A thousand creates through the API take longer than this whole suite may on a
     * small shared machine, and the size-limit tests are about what the connector makes of a full claim.
     */
    protected List<String> seedCreated(List<String> profiles) {
        ChangeLogWriter writer = server.getApplicationContext().getBean(ChangeLogWriter.class);
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            List<String> ids = new ArrayList<>();
            List<ChangeLogWriter.Change> changes = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SEED)) {
                ps.setString(1, "[" + String.join(",", profiles) + "]");
                ps.setString(2, workspace);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                        changes.add(new ChangeLogWriter.Change(workspace, rs.getString(1), rs.getLong(2), ChangeKind.UPSERT,
                                rs.getString(3), main, ChangeLogWriter.Cause.BACKFILL, ChangeLogWriter.Source.SERVICE));
                    }
                }
            }
            writer.append(c, changes);
            c.commit();
            try (PreparedStatement notify = c.prepareStatement("select pg_notify('profilehub_outbox', ?)")) {
                notify.setString(1, main);
                notify.execute();
            }
            c.commit();
            return ids;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    protected static long countDelivered(String destination, List<String> profileIds) {
        String sql = "select count(*) from delivery_status where destination = ? and status = 'delivered'"
                + " and profile_id = any(?)";
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, destination);
            ps.setArray(2, c.createArrayOf("text", profileIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    protected String create(String json) {
        return create(api(), json);
    }

    protected String create(Api api, String json) {
        Api.Response r = api.post("/identify", json);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    protected Api altApi() {
        return api().withKey(altKey);
    }

    protected void update(String id, String json) {
        Api.Response r = api().post("/identify/" + id, json);
        assertEquals(200, r.status(), r.body());
    }

    /** A phone number no other test uses (phone numbers are unique identity keys). */
    protected static String phone() {
        return "+1555" + (1_000_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(9_000_000));
    }

    /** The first request a fresh WireMock serves is slow; have it served before any timeout counts. */
    private void warmUp() {
        try {
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(vendor.baseUrl() + "/warm-up")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    protected static String unique(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    /** Every request the fake received at the main (false) or alt (true) destination's endpoint, oldest first. */
    protected List<LoggedRequest> requests(boolean alt) {
        List<ServeEvent> events = new ArrayList<>(vendor.getAllServeEvents());
        java.util.Collections.reverse(events);
        String prefix = alt ? "/alt/" : "/";
        return events.stream().map(ServeEvent::getRequest)
                .filter(r -> r.getUrl().startsWith(prefix) && (alt || !r.getUrl().startsWith("/alt/")))
                .toList();
    }

    /** The status codes the fake answered the requests carrying one vendor user id with, oldest first. */
    protected List<Integer> answersFor(boolean alt, String userId) {
        List<ServeEvent> events = new ArrayList<>(vendor.getAllServeEvents());
        java.util.Collections.reverse(events);
        String prefix = alt ? "/alt/" : "/";
        return events.stream()
                .filter(e -> e.getRequest().getUrl().startsWith(prefix)
                        && (alt || !e.getRequest().getUrl().startsWith("/alt/")))
                .filter(e -> items(e.getRequest()).stream().anyMatch(i -> userId.equals(userIdOf(i))))
                .map(e -> e.getResponse().getStatus()).toList();
    }

    protected List<LoggedRequest> requestsFor(boolean alt, String userId) {
        return requests(alt).stream().filter(r -> items(r).stream().anyMatch(i -> userId.equals(userIdOf(i))))
                .toList();
    }

    /** The items that reached the fake for one vendor user id, oldest first. */
    protected List<JsonNode> itemsFor(boolean alt, String userId) {
        List<JsonNode> found = new ArrayList<>();
        for (LoggedRequest r : requests(alt)) {
            items(r).stream().filter(i -> userId.equals(userIdOf(i))).forEach(found::add);
        }
        return found;
    }

    protected static JsonNode body(LoggedRequest request) {
        return Api.json(request.getBodyAsString());
    }

    protected static ObjectNode json(String text) {
        return (ObjectNode) Api.json(text);
    }

    public record Event(long id, String status, int attempts, Integer lastStatus, String lastError, long version,
                        String occurredAt) {
        /** The event's time as vendors must get it: ISO-8601 in UTC. */
        public String utc() {
            return OffsetDateTime.parse(occurredAt).toInstant().toString();
        }
    }

    /**
     * The profile's events for a destination as delivery_status shows them. attempts: a delivered event's failed
     * attempts and the one that delivered it, a dead one's as its dead letter counts them, else its failed attempts.
     * lastStatus and lastError: a dead event's from its dead letter, a waiting one's from its latest failed attempt;
     * null for a delivered event (the log keeps no record of a delivery's answer).
     */
    protected static List<Event> events(String destination, String profileId) {
        String sql = """
                select s.id, s.status,
                       case s.status when 'delivered' then s.failed_attempts + 1
                                     when 'dead' then d.attempts else s.failed_attempts end,
                       case s.status when 'dead' then d.last_status when 'delivered' then null else f.http_status end,
                       case s.status when 'dead' then d.last_error when 'delivered' then null else f.error end,
                       s.profile_version, s.change->>'occurredAt'
                  from delivery_status s
                  left join lateral (select * from dead_letters x
                                      where x.workspace_id = s.workspace_id and x.destination = s.destination
                                        and x.profile_id = s.profile_id
                                        and s.profile_version between x.first_version and x.version
                                      order by x.id desc limit 1) d on true
                  left join lateral (select * from delivery_failures x
                                      where x.workspace_id = s.workspace_id and x.destination = s.destination
                                        and x.profile_id = s.profile_id
                                        and s.profile_version between x.first_version and x.last_version
                                      order by x.failed_at desc limit 1) f on true
                 where s.destination = ? and s.profile_id = ? order by s.id
                """;
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, destination);
            ps.setString(2, profileId);
            List<Event> events = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new Event(rs.getLong(1), rs.getString(2), rs.getInt(3),
                            (Integer) rs.getObject(4), rs.getString(5), rs.getLong(6), rs.getString(7)));
                }
            }
            return events;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the profile's event of this version is in the given state, and returns it. */
    protected static Event awaitEvent(String destination, String profileId, long version, String status) {
        Awaits.until(WAIT, () -> events(destination, profileId).stream()
                .anyMatch(e -> e.version() == version && e.status().equals(status)));
        return events(destination, profileId).stream().filter(e -> e.version() == version).findFirst().orElseThrow();
    }

    protected static void awaitSettled(String destination, String profileId) {
        Awaits.until(WAIT, () -> {
            List<Event> events = events(destination, profileId);
            return !events.isEmpty() && events.stream().noneMatch(e -> e.status().equals("pending")
                    || e.status().equals("in_flight"));
        });
    }

    protected static long countEvents(String destination, String status) {
        return sqlLong("select count(*) from delivery_status where destination = ? and status = ?", destination,
                status);
    }

    protected static boolean paused(String destination) {
        return sqlLong("select count(*) from destination_state where name = ? and paused", destination) == 1;
    }

    protected static void pause(String destination) {
        setPaused(destination, true);
    }

    protected static void resume(String destination) {
        setPaused(destination, false);
    }

    private static void setPaused(String destination, boolean paused) {
        String sql = """
                insert into destination_state (name, paused, paused_reason, paused_at) values (?, ?, 'test', now())
                on conflict (name) do update set paused = excluded.paused
                """;
        try (Connection c = connect()) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, destination);
                ps.setBoolean(2, paused);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("select pg_notify('profilehub_outbox', 'state:' || ?)")) {
                ps.setString(1, destination);
                ps.execute();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A connection to this run's database, in the service's schema. */
    protected static Connection connect() throws SQLException {
        Connection c = TestDatabase.connect();
        try (var s = c.createStatement()) {
            s.execute("set search_path to profilehub");
        }
        return c;
    }

    private static long sqlLong(String sql, String... args) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates many profiles at once (8 requests in flight), returning their ids in order. */
    protected List<String> createMany(List<String> bodies) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (String body : bodies) {
                ids.add(pool.submit(() -> create(body)));
            }
            List<String> out = new ArrayList<>();
            for (Future<String> f : ids) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    protected static void assertDelivered(String destination, String id, long version) {
        Event e = awaitEvent(destination, id, version, "delivered");
        assertNotNull(e);
    }

    private static String suffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 6);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
