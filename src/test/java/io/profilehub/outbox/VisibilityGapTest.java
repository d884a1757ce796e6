package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outbox visibility gap: a reader that takes "everything after my position" must never skip a change that
 * commits after a later-numbered one. Changes are numbered per lane under the lane's row lock (db/V18), so a change
 * of a lane cannot commit before an earlier-numbered one of the same lane; other lanes do not wait.
 */
@MicronautTest(transactional = false)
class VisibilityGapTest extends ServiceTest {
    private final WireMockServer hook = new WireMockServer(options().dynamicPort());

    @Inject
    ChangeLogWriter writer;

    @Override
    protected Map<String, String> extraProperties() {
        hook.start();
        hook.stubFor(post(urlEqualTo("/gap")).willReturn(aResponse().withStatus(200)));
        Map<String, String> p = new HashMap<>();
        p.put("profilehub.destinations.gap.type", "webhook");
        p.put("profilehub.destinations.gap.url", hook.baseUrl() + "/gap");
        p.put("profilehub.destinations.gap.token", "gap-secret");
        p.put("profilehub.destinations.gap.workspaces", workspace);
        return p;
    }

    @AfterAll
    void stopHook() {
        hook.stop();
    }

    @Test
    void aLongTransactionCommittingAfterAShortOneIsNeverSkipped() throws Exception {
        String longOne = idInLane(0, null);
        int lane = lane(longOne);
        String shortOne = idInLane(lane, longOne);
        String otherLane = idInOtherLane(lane);

        try (Connection a = connection()) {
            a.setAutoCommit(false);
            writer.append(a, List.of(change(longOne)));     // numbered first, not committed

            CompletableFuture<Void> b = CompletableFuture.runAsync(() -> commit(change(shortOne)));
            commit(change(otherLane));                      // another lane does not wait

            Awaits.until(Duration.ofSeconds(10), () -> received(otherLane) == 1);
            assertFalse(b.isDone(), "a later change of the same lane cannot commit before the open one");
            assertEquals(0, received(shortOne));
            assertEquals(0, received(longOne));
            a.commit();                                     // the long transaction commits last of the three
            b.get(10, TimeUnit.SECONDS);
        }

        Awaits.until(Duration.ofSeconds(10), () -> received(longOne) == 1 && received(shortOne) == 1);
        assertTrue(seq(longOne) < seq(shortOne), "lane order is commit order");
        assertTrue(firstArrival(longOne) <= firstArrival(shortOne), "delivered in lane order");
    }

    private ChangeLogWriter.Change change(String profileId) {
        String event = "{\"type\":\"profile.upsert\",\"profileId\":\"" + profileId + "\",\"workspaceId\":\"" + workspace
                + "\",\"version\":1,\"created\":true,\"identifiers\":{},\"traits\":{\"gap\":true}}";
        return ChangeLogWriter.Change.upsert(workspace, profileId, 1, event);
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

    private int received(String profileId) {
        return (int) hook.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains(profileId)).count();
    }

    private long firstArrival(String profileId) {
        return hook.getAllServeEvents().stream().filter(e -> e.getRequest().getBodyAsString().contains(profileId))
                .mapToLong(e -> e.getRequest().getLoggedDate().getTime()).min().orElseThrow();
    }

    private String idInLane(int lane, String not) throws SQLException {
        while (true) {
            String id = "usr_gap" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            if (!id.equals(not) && (not == null || lane(id) == lane)) {
                return id;
            }
        }
    }

    private String idInOtherLane(int lane) throws SQLException {
        while (true) {
            String id = "usr_gap" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            if (lane(id) != lane) {
                return id;
            }
        }
    }

    private int lane(String profileId) throws SQLException {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement("select change_lane(?, ?)")) {
            ps.setString(1, workspace);
            ps.setString(2, profileId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private long seq(String profileId) throws SQLException {
        try (Connection c = connection();
             PreparedStatement ps = c.prepareStatement("select seq from change_log where profile_id = ?")) {
            ps.setString(1, profileId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
