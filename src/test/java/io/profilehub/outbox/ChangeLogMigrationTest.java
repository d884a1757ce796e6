package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.support.Api;
import io.profilehub.support.TestDatabase;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A database at the per-destination outbox schema (V17) migrates to the change log without losing an event. */
class ChangeLogMigrationTest {
    private static final String WS = "ws_migrated";

    @Test
    void undeliveredEventsAreDeliveredAfterTheMigrationAndDeadOnesStayDeadLetters() throws Exception {
        String url = TestDatabase.createExtraDatabase("changelog_migration");
        flyway(url, "17").migrate();
        try (Connection c = connect(url)) {
            insert(c, "hook", "usr_m1", 1, "delivered", 1);
            insert(c, "hook", "usr_m1", 2, "pending", 2);   // failed twice, waiting
            insert(c, "hook", "usr_m1", 3, "in_flight", 0); // claimed by an instance that stopped
            insert(c, "hook", "usr_m2", 1, "dead", 1);
            insert(c, "other", "usr_m3", 1, "pending", 0);
        }
        flyway(url, "latest").migrate();
        try (Connection c = connect(url)) {
            assertEquals(List.of("hook usr_m1 2", "hook usr_m1 3", "other usr_m3 1"), rows(c,
                    "select destination || ' ' || profile_id || ' ' || version from change_log order by lane, seq"));
            assertEquals(List.of("hook usr_m2 1 1"), rows(c, "select destination || ' ' || profile_id || ' ' "
                    + "|| version || ' ' || attempts from dead_letters"));
        }

        WireMockServer hook = new WireMockServer(options().dynamicPort());
        hook.start();
        hook.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(200)));
        Map<String, Object> p = new HashMap<>();
        p.put("datasources.default.url", url);
        p.put("datasources.default.username", TestDatabase.username());
        p.put("datasources.default.password", TestDatabase.password());
        p.put("profilehub.bootstrap.api-key", "phk_migration_test_key_0123456789abcdefXYZ");
        p.put("profilehub.bootstrap.workspace", WS);
        p.put("micronaut.server.port", "-1");
        p.put("profilehub.management.port", "-1");
        p.put("profilehub.destinations.hook.type", "webhook");
        p.put("profilehub.destinations.hook.url", hook.baseUrl() + "/hook");
        p.put("profilehub.destinations.hook.token", "migration-secret");
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, p)) {
            Awaits.until(Duration.ofSeconds(20), () -> hook.getAllServeEvents().size() >= 1);
            JsonNode sent = Api.json(hook.getAllServeEvents().get(0).getRequest().getBodyAsString());
            assertEquals("usr_m1", sent.get("profileId").asText());
            assertEquals(3, sent.get("version").asLong(), "the waiting versions 2 and 3 go, composed: " + sent);
            Thread.sleep(500);
            assertEquals(1, hook.getAllServeEvents().size(), "nothing else is for this destination");
            Api api = new Api(server.getURI(), "phk_migration_test_key_0123456789abcdefXYZ");
            JsonNode dead = api.get("/sync/dead-letters").json().get("data");
            assertEquals(1, dead.size(), dead.toString());
            assertEquals("usr_m2", dead.get(0).get("userId").asText());
        } finally {
            hook.stop();
        }
    }

    private static Flyway flyway(String url, String target) {
        return Flyway.configure().dataSource(url, TestDatabase.username(), TestDatabase.password())
                .locations("filesystem:db").schemas("profilehub").defaultSchema("profilehub").createSchemas(true)
                .target(target).load();
    }

    private static Connection connect(String url) throws Exception {
        Connection c = DriverManager.getConnection(url, TestDatabase.username(), TestDatabase.password());
        c.setSchema("profilehub");
        return c;
    }

    private static void insert(Connection c, String destination, String profileId, long version, String status,
                               int attempts) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("""
                insert into outbox_events (workspace_id, destination, profile_id, kind, profile_version, payload,
                                           status, attempts, lease_until, lease_owner)
                values (?, ?, ?, 'upsert', ?, ?::jsonb, ?, ?, case when ? = 'in_flight' then now() end,
                        case when ? = 'in_flight' then 'inst_gone:hook:0' end)
                """)) {
            ps.setString(1, WS);
            ps.setString(2, destination);
            ps.setString(3, profileId);
            ps.setLong(4, version);
            ps.setString(5, "{\"type\":\"profile.upsert\",\"profileId\":\"" + profileId + "\",\"workspaceId\":\"" + WS
                    + "\",\"version\":" + version + ",\"created\":" + (version == 1) + ",\"identifiers\":{},"
                    + "\"traits\":{\"v" + version + "\":" + version + "}}");
            ps.setString(6, status);
            ps.setInt(7, attempts);
            ps.setString(8, status);
            ps.setString(9, status);
            ps.executeUpdate();
        }
    }

    private static List<String> rows(Connection c, String sql) throws Exception {
        List<String> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
