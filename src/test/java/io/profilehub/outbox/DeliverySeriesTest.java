package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ProblemAssertions;
import io.profilehub.support.ServiceTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deliveries per minute (the console's charts): kept in the database, per workspace, pruned after two hours. */
@MicronautTest(transactional = false)
class DeliverySeriesTest extends ServiceTest {
    private static final String HOOK = "series-hook";
    private static final String ONLY_OTHERS = "series-elsewhere";
    private final String otherWorkspace = "ws_" + UUID.randomUUID().toString().substring(0, 8);
    private final String otherKey = "phk_test_" + UUID.randomUUID().toString().replace("-", "");
    private final String readKey = "phk_test_" + UUID.randomUUID().toString().replace("-", "");
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Inject
    DataSource dataSource;
    @Inject
    DeliveryMinutes minutes;

    @Override
    protected Map<String, String> extraProperties() {
        if (!vendor.isRunning()) {
            vendor.start();
        }
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.bootstrap.keys[0].workspace", otherWorkspace);
        p.put("profilehub.bootstrap.keys[0].key", otherKey);
        p.put("profilehub.bootstrap.keys[1].workspace", workspace);
        p.put("profilehub.bootstrap.keys[1].key", readKey);
        p.put("profilehub.bootstrap.keys[1].scopes[0]", "profiles:read");
        p.put("profilehub.destinations." + HOOK + ".type", "webhook");
        p.put("profilehub.destinations." + HOOK + ".url", vendor.baseUrl() + "/hook");
        p.put("profilehub.destinations." + HOOK + ".token", "series-secret");
        p.put("profilehub.destinations." + ONLY_OTHERS + ".type", "webhook");
        p.put("profilehub.destinations." + ONLY_OTHERS + ".url", vendor.baseUrl() + "/elsewhere");
        p.put("profilehub.destinations." + ONLY_OTHERS + ".token", "series-secret");
        p.put("profilehub.destinations." + ONLY_OTHERS + ".workspaces", otherWorkspace);
        p.put("profilehub.outbox.poll-interval", "1s");
        return p;
    }

    @BeforeAll
    void stubs() {
        vendor.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(204)));
        vendor.stubFor(post(urlEqualTo("/hook")).withRequestBody(containing("dead-me"))
                .willReturn(aResponse().withStatus(422).withBody("no")));
        vendor.stubFor(post(urlEqualTo("/elsewhere")).willReturn(aResponse().withStatus(204)));
    }

    @AfterAll
    void stopVendor() {
        vendor.stop();
    }

    @Test
    void countsEachWorkspacesDeliveriesPerMinute() {
        Api other = api().withKey(otherKey);
        for (int i = 0; i < 3; i++) {
            assertEquals(201, api().post("/identify", "{\"identifiers\":{\"email\":\"s" + i + UUID.randomUUID()
                    + "@example.com\"}}").status());
        }
        assertEquals(201, other.post("/identify", "{\"identifiers\":{\"email\":\"o" + UUID.randomUUID()
                + "@example.com\"},\"traits\":{\"dead-me\":1}}").status());

        Awaits.until(Duration.ofSeconds(20), () -> totals(api(), "delivered") == 3, () -> api().get(path(5)).body());
        Awaits.until(Duration.ofSeconds(20), () -> totals(other, "dead") == 1, () -> other.get(path(5)).body());
        assertEquals(0, totals(api(), "dead"), "another workspace's dead letter is not counted here");
        assertEquals(0, totals(other, "delivered"), "nor this workspace's deliveries there");

        JsonNode body = api().get("/sync/destinations/" + HOOK + "/deliveries").json();
        JsonNode series = body.get("minutes");
        assertEquals(60, series.size(), "the last hour by default, quiet minutes included");
        Instant last = Instant.parse(series.get(59).get("minute").asText());
        assertTrue(Duration.between(last, Instant.now()).abs().toSeconds() < 120, last.toString());
        for (JsonNode m : series) {
            if (m.get("delivered").asLong() > 0) {
                assertNotNull(m.get("lagAvgMs").numberValue(), m.toString());
                assertTrue(m.get("lagMaxMs").asLong() >= m.get("lagAvgMs").asDouble(), m.toString());
            } else {
                assertNull(m.get("lagAvgMs").numberValue(), "no lag without deliveries: " + m);
            }
        }
    }

    @Test
    void readsWhatAnyInstanceRecordedAndPrunesAfterTwoHours() throws SQLException {
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(10));
        // As two workers of another instance would have recorded it: the series sums the shared table's rows.
        sql("insert into delivery_minutes (workspace_id, destination, minute, writer, delivered)"
                + " values (?, ?, ?::timestamptz, 'inst_other:hook:0', 4), (?, ?, ?::timestamptz, 'inst_other:hook:1', 3)",
                workspace, HOOK, minute.toString(), workspace, HOOK, minute.toString());
        sql("insert into delivery_minutes (workspace_id, destination, minute, writer, delivered)"
                + " values (?, ?, ?::timestamptz, 'inst_other:hook:0', 9)",
                workspace, HOOK, Instant.now().minus(Duration.ofHours(3)).toString());

        JsonNode row = null;
        for (JsonNode m : api().get(path(30)).json().get("minutes")) {
            if (Instant.parse(m.get("minute").asText()).equals(minute)) {
                row = m;
            }
        }
        assertNotNull(row);
        assertEquals(7, row.get("delivered").asLong(), row.toString());

        minutes.prune();
        assertEquals(0, count("select count(*) from delivery_minutes where workspace_id = ? and minute < now() - interval '2 hours'",
                workspace));
        assertEquals(2, count("select count(*) from delivery_minutes where workspace_id = ? and destination = ? and minute = ?::timestamptz",
                workspace, HOOK, minute.toString()), "recent rows stay");
    }

    @Test
    void refusesWhatItCannotAnswer() {
        for (String bad : new String[]{"0", "121", "abc", "-5"}) {
            Api.Response r = api().get("/sync/destinations/" + HOOK + "/deliveries?minutes=" + bad);
            ProblemAssertions.assertProblem(r, 400, "'minutes' must be a whole number from 1 to 120");
        }
        ProblemAssertions.assertProblem(api().get("/sync/destinations/nope/deliveries"), 404, "No destination named 'nope'");
        ProblemAssertions.assertProblem(api().get("/sync/destinations/" + ONLY_OTHERS + "/deliveries"), 404,
                "No destination named '" + ONLY_OTHERS + "'");
        assertEquals(200, api().withKey(otherKey).get("/sync/destinations/" + ONLY_OTHERS + "/deliveries").status());
        assertEquals(403, api().withKey(readKey).get(path(5)).status());
        assertEquals(401, api().withKey(null).get(path(5)).status());
    }

    private static String path(int window) {
        return "/sync/destinations/" + HOOK + "/deliveries?minutes=" + window;
    }

    private static long totals(Api api, String field) {
        long sum = 0;
        for (JsonNode m : api.get(path(5)).json().get("minutes")) {
            sum += m.get(field).asLong();
        }
        return sum;
    }

    private void sql(String statement, String... args) throws SQLException {
        try (Connection c = DelegatingDataSource.unwrapDataSource(dataSource).getConnection(); PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private long count(String query, String... args) throws SQLException {
        try (Connection c = DelegatingDataSource.unwrapDataSource(dataSource).getConnection(); PreparedStatement ps = c.prepareStatement(query)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
