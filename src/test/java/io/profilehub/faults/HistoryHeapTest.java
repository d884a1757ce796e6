package io.profilehub.faults;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.profilehub.support.Api;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A profile whose past holds 500,000 history entries (250 changes of 2,000 traits each), served by a service with a
 * 160 MB heap: four history pages of one entry at once, and the whole export, all answer, and the service still
 * answers after. Held in memory, those entries alone took more than that heap (bench/README.md "History and export
 * memory" has the figures before and after).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryHeapTest {
    static final int CHANGES = 250;
    static final int KEYS = 2000;
    private final String workspace = "ws_" + UUID.randomUUID().toString().substring(0, 8);
    private final String key = "phk_test_" + UUID.randomUUID().toString().replace("-", "");
    private ServiceProcess service;

    @AfterAll
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void historyPagesAndTheExportAnswerInAHeapSmallerThanTheProfilesPast() throws Exception {
        String url = TestDatabase.createExtraDatabase("heap");
        service = new ServiceProcess("heap", url, TestDatabase.username(), TestDatabase.password(), workspace, key,
                Map.of("profilehub.outbox.enabled", "false")).jvmOptions("-Xmx160m");
        service.start(Duration.ofMinutes(2));
        Api api = service.api();
        String id = api.post("/identify", "{\"identifiers\":{\"email\":\"heap@example.com\"}}").json()
                .get("id").asText();
        long started = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url, TestDatabase.username(), TestDatabase.password())) {
            // The change log as 250 updates of 2,000 traits each would leave it: written directly, in seconds.
            try (PreparedStatement ps = c.prepareStatement("""
                    with lane as (
                        update profilehub.change_lanes set last_seq = last_seq + ?
                         where lane = profilehub.change_lane(?, ?) returning lane, last_seq - ? as base
                    )
                    insert into profilehub.change_log (lane, seq, workspace_id, profile_id, version, kind, change,
                                                       cause)
                    select lane.lane, lane.base + g, ?, ?, 1 + g, 'upsert',
                           jsonb_build_object('type', 'profile.upsert', 'identifiers', '{}'::jsonb, 'traits',
                               (select jsonb_object_agg('trait' || k, 'value-' || g || '-' || k)
                                  from generate_series(1, ?) k)), 'update'
                      from lane cross join generate_series(1, ?) g
                    """)) {
                ps.setInt(1, CHANGES);
                ps.setString(2, workspace);
                ps.setString(3, id);
                ps.setInt(4, CHANGES);
                ps.setString(5, workspace);
                ps.setString(6, id);
                ps.setInt(7, KEYS);
                ps.setInt(8, CHANGES);
                ps.executeUpdate();
            }
        }
        System.out.printf("FAULTS history-heap: %d changes written in %d ms%n", CHANGES,
                (System.nanoTime() - started) / 1_000_000);

        started = System.nanoTime();
        List<CompletableFuture<Api.Response>> pages = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pages.add(CompletableFuture.supplyAsync(() -> api.get("/identify/" + id + "/history?limit=1")));
        }
        for (CompletableFuture<Api.Response> page : pages) {
            Api.Response r = page.get();
            assertEquals(200, r.status(), r.body());
            assertEquals(1, r.json().get("data").size(), r.body());
            assertEquals(CHANGES + 1, r.json().get("data").get(0).get("version").asLong(), r.body());
        }
        System.out.printf("FAULTS history-heap: 4 concurrent history?limit=1 over %d entries: %d ms%n",
                CHANGES * KEYS + 1, (System.nanoTime() - started) / 1_000_000);

        started = System.nanoTime();
        HttpResponse<InputStream> export = HttpClient.newHttpClient().send(
                api.builder("/identify/" + id + "/export").timeout(Duration.ofMinutes(3)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, export.statusCode());
        long entries = 0;
        long bytes;
        try (InputStream body = export.body();
             JsonParser json = new com.fasterxml.jackson.core.JsonFactory().createParser(body)) {
            while (json.nextToken() != null) {
                if (json.currentToken() == JsonToken.FIELD_NAME && json.getCurrentName().equals("oldKnown")) {
                    entries++;
                }
            }
            bytes = json.getCurrentLocation().getByteOffset();
        }
        assertEquals((long) CHANGES * KEYS + 1, entries, "every entry, the create's email included");
        System.out.printf("FAULTS history-heap: export of %d entries, %d MB streamed in %d ms%n", entries,
                bytes / 1_000_000, (System.nanoTime() - started) / 1_000_000);
        assertEquals(200, api.get("/identify/" + id).status(), "the service still answers");
    }
}
