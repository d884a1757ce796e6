package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
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
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    private final String database = TestDatabase.createExtraDatabase("outbox_cost");

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
        Awaits.until(Duration.ofSeconds(20), () -> delivered("quiet") == PROFILES);
        Thread.sleep(4000); // the vendor stays down: the breaker opens and tries now and then

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
    void pausedDestinationsCostNoTransactionsAndAnIdleServiceOnlyAFew() throws Exception {
        vendor.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(200)));
        management().post("/destinations/down/pause", "{}");
        management().post("/destinations/quiet/pause", "{}");
        long paused = transactionsOver(Duration.ofSeconds(10));
        assertTrue(paused <= 15, "two paused destinations ran " + paused + " transactions in 10 s");

        management().post("/destinations/quiet/resume", "{}");
        vendor.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(200)));
        management().post("/destinations/down/resume", "{}");
        long idle = transactionsOver(Duration.ofSeconds(10));
        assertTrue(idle <= 30, "two idle destinations ran " + idle + " transactions in 10 s");
    }

    /**
     * Transactions of the whole test database over the period. Backends publish their counts at most every 10 s
     * when idle, so the counts settle first; steady activity lags alike at both readings.
     */
    private long transactionsOver(Duration period) throws Exception {
        Thread.sleep(11_000);
        long before = committed();
        Thread.sleep(period.toMillis());
        long after = committed();
        return after - before - 1; // the first reading's own transaction
    }

    private long committed() throws Exception {
        return count("select xact_commit + xact_rollback from pg_stat_database where datname = current_database()");
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
