package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What waiting costs the database: a vendor down for everybody, a paused destination, an idle service. */
@MicronautTest(transactional = false)
class OutboxCostTest extends ServiceTest {
    private static final int PROFILES = 300;
    /* Polled this often, an engine that kept polling while paused would show within a short window. */
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration WINDOW = Duration.ofSeconds(2);
    /* The breaker tries the vendor again after 200 ms, then 400, 800 (retry.initial-delay, doubling). */
    private static final Duration TRIAL_GAP = Duration.ofMillis(150);
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    private final String database = TestDatabase.createExtraDatabase("outbox_cost");

    @Inject
    MeterRegistry registry;

    @Override
    protected Map<String, String> extraProperties() {
        vendor.start();
        vendor.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(503)));
        vendor.stubFor(post(urlEqualTo("/quiet")).willReturn(aResponse().withStatus(200)));
        Map<String, String> p = new HashMap<>();
        // A database of its own: the transaction counts below are the whole database's, and the run's shared one
        // carries other classes' destinations and cursors.
        p.put("datasources.default.url", database);
        for (String name : new String[]{"down", "quiet"}) {
            p.put("profilehub.destinations." + name + ".type", "webhook");
            p.put("profilehub.destinations." + name + ".url", vendor.baseUrl() + "/" + name);
            p.put("profilehub.destinations." + name + ".token", "cost-secret");
            p.put("profilehub.destinations." + name + ".workspaces", workspace);
            p.put("profilehub.destinations." + name + ".concurrency", "4");
        }
        p.put("profilehub.outbox.retry.initial-delay", "200ms");
        p.put("profilehub.outbox.retry.max-delay", "1s");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "10ms");
        p.put("profilehub.outbox.retry.max-attempts", "1000");
        p.put("profilehub.outbox.poll-interval", POLL.toMillis() + "ms");
        return p;
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void aVendorDownForEverybodyCostsAFewRowsNotOnePerWaitingChange() throws Exception {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < PROFILES; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"identifiers\":{\"k\":\"down-").append(i).append("\"}}");
        }
        assertEquals(200, api().post("/identify/batch", batch.append("]").toString()).status());
        Awaits.until(Duration.ofSeconds(60), () -> delivered("quiet") == PROFILES,
                () -> delivered("quiet") + " of " + PROFILES + " delivered to the quiet destination");
        // The vendor stays down: the breaker opens, and tries one request now and then. Four such trials, each
        // after a quiet gap (200, 400, 800, 1,000 ms), and the counts below are those of a destination that waits.
        Awaits.until(Duration.ofSeconds(20), () -> trials() >= 4, () -> trials() + " trials");

        long parked = count("select count(*) from profilehub.delivery_parked where destination = 'down'");
        long failures = count("select count(*) from profilehub.delivery_failures where destination = 'down'");
        long requests = vendor.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/down")).count();
        System.out.println("vendor down: " + parked + " parked, " + failures + " failures, " + requests + " requests");
        assertTrue(parked + failures <= 60, PROFILES + " changes waiting cost " + parked + " parked profiles and "
                + failures + " failure records");
        assertTrue(requests <= 40, "the breaker stops the requests: " + requests);

        vendor.resetAll();
        vendor.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(200)));
        vendor.stubFor(post(urlEqualTo("/quiet")).willReturn(aResponse().withStatus(200)));
        Awaits.until(Duration.ofSeconds(30), () -> delivered("down") == PROFILES);
        // Profiles parked just after what a stopped round sent are released by the next round that finds them due.
        Awaits.until(Duration.ofSeconds(10), () -> count(
                "select count(*) from profilehub.delivery_parked where destination = 'down'") == 0);
    }

    @Test
    void pausedDestinationsCostNoTransactionsAndAnIdleServiceOnlyAFew() throws InterruptedException {
        vendor.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(200)));
        management().post("/destinations/down/pause", "{}");
        management().post("/destinations/quiet/pause", "{}");
        // Every worker has seen the pause once the service stops taking connections (a poll is due every 100 ms).
        Awaits.until(Duration.ofSeconds(10), () -> quietFor(POLL.multipliedBy(5)),
                () -> "the service kept taking connections while both destinations were paused");
        long paused = transactionsOver(WINDOW);
        assertTrue(paused <= 3, "two paused destinations ran " + paused + " transactions in " + WINDOW);

        management().post("/destinations/quiet/resume", "{}");
        management().post("/destinations/down/resume", "{}");
        long resumed = transactions();
        Awaits.until(Duration.ofSeconds(10), () -> transactions() >= resumed + 4, () -> "no poll after the resume");
        long idle = transactionsOver(WINDOW);
        // One transaction per poll and destination (the claim that finds nothing), and nothing else.
        long polls = 2 * WINDOW.toMillis() / POLL.toMillis();
        assertTrue(idle <= polls + 3, "two idle destinations ran " + idle + " transactions in " + WINDOW
                + " (at most " + polls + " polls)");
    }

    /**
     * Connections the service took from its pool over the period: each one transaction, or a few statements of
     * their own. Counted as they are returned, so the count is exact at once (PostgreSQL's pg_stat_database lags up
     * to 10 s behind an idle backend, which made this test wait 11 s before each reading).
     */
    private long transactionsOver(Duration period) throws InterruptedException {
        long before = transactions();
        Thread.sleep(period.toMillis()); // the period measured, not a wait for something to happen
        return transactions() - before;
    }

    private long transactions() {
        return registry.find("hikaricp.connections.usage").timers().stream().mapToLong(Timer::count).sum();
    }

    private long lastChange = -1;
    private long lastChangeAt;

    /** No connection taken from the pool for {@code period}. */
    private boolean quietFor(Duration period) {
        long now = System.nanoTime();
        long count = transactions();
        if (count != lastChange) {
            lastChange = count;
            lastChangeAt = now;
            return false;
        }
        return now - lastChangeAt >= period.toNanos();
    }

    /** Requests to the down vendor that came after a quiet gap: the breaker's trials. */
    private long trials() {
        List<Long> times = vendor.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/down"))
                .map(ServeEvent::getRequest).map(r -> r.getLoggedDate().getTime()).sorted().toList();
        long trials = 0;
        for (int i = 1; i < times.size(); i++) {
            if (times.get(i) - times.get(i - 1) >= TRIAL_GAP.toMillis()) {
                trials++;
            }
        }
        return trials;
    }

    private long count(String sql) {
        try (Connection c = java.sql.DriverManager.getConnection(database, TestDatabase.username(),
                TestDatabase.password());
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long delivered(String destination) {
        return vendor.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/" + destination) && e.getResponse().getStatus() == 200)
                .map(e -> e.getRequest().getBodyAsString())
                .map(body -> body.replaceAll("(?s).*\"profileId\":\"([^\"]+)\".*", "$1"))
                .distinct().count();
    }
}
