package io.profilehub.feed;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.ServiceTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Long polls against more than the test's own instance: a reader is woken by a commit made through another
 * instance (the writer's instance sends NOTIFY "changes:<workspace>"; the reader's hears it on the outbox's LISTEN
 * connection, which runs where the delivery engine runs, i.e. with a destination configured), and an instance with
 * a short idle timeout answers a long wait before that timeout closes the connection.
 */
@MicronautTest(transactional = false)
class ChangeFeedAcrossInstancesTest extends ServiceTest {
    @Inject
    CommitWaiters waiters;

    @Override
    protected Map<String, String> extraProperties() {
        Map<String, String> p = new HashMap<>();
        // A destination of another workspace: it starts the engine and its LISTEN, and is sent nothing of ours.
        p.put("profilehub.destinations.elsewhere.type", "webhook");
        p.put("profilehub.destinations.elsewhere.url", "http://127.0.0.1:9/never");
        p.put("profilehub.destinations.elsewhere.token", "elsewhere-secret");
        p.put("profilehub.destinations.elsewhere.workspaces", "ws_nobody_" + UUID.randomUUID());
        return p;
    }

    @Test
    void aCommitOnAnotherInstanceWakesTheReader() throws Exception {
        Map<String, Object> properties = new HashMap<>(getProperties());
        properties.put("profilehub.outbox.enabled", "false");
        try (EmbeddedServer writerInstance = ApplicationContext.run(EmbeddedServer.class, properties)) {
            Api writer = new Api(writerInstance.getURI(), adminKey);
            String after = api().get("/changes?limit=1000").json().path("nextCursor").asText();
            long started = System.nanoTime();
            CompletableFuture<HttpResponse<String>> poll = HttpClient.newHttpClient().sendAsync(
                    api().builder("/changes?after=" + after + "&wait=25").timeout(Duration.ofSeconds(40)).GET()
                            .build(), HttpResponse.BodyHandlers.ofString());
            Awaits.until(Duration.ofSeconds(10), () -> waiters.waiting(workspace) > 0);

            Api.Response created = writer.post("/identify",
                    "{\"identifiers\":{\"email\":\"across-" + UUID.randomUUID() + "@example.com\"}}");
            assertEquals(201, created.status(), created.body());
            HttpResponse<String> answer = poll.get(20, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            assertEquals(200, answer.statusCode(), answer.body());
            List<String> ids = Api.json(answer.body()).path("data").findValuesAsText("profileId");
            assertEquals(List.of(created.json().path("id").asText()), ids);
            assertTrue(seconds < 20, "woken by the other instance's commit, not by the end of the wait: " + seconds);
            assertFalse(Api.json(answer.body()).path("nextCursor").asText().isEmpty());
        }
    }

    @Test
    void aWaitLongerThanTheIdleTimeoutIsAnsweredBeforeTheServerClosesTheConnection() {
        Map<String, Object> properties = new HashMap<>(getProperties());
        properties.put("profilehub.outbox.enabled", "false");
        properties.put("micronaut.server.idle-timeout", "6s");
        try (EmbeddedServer idle = ApplicationContext.run(EmbeddedServer.class, properties)) {
            Api api = new Api(idle.getURI(), adminKey);
            String after = api.get("/changes?limit=1000").json().path("nextCursor").asText();
            long started = System.nanoTime();
            Api.Response r = api.get("/changes?after=" + after + "&wait=30");
            double seconds = (System.nanoTime() - started) / 1e9;
            assertEquals(200, r.status(), r.body()); // cut off at the idle timeout, there would be no answer at all
            assertEquals(0, r.json().path("data").size());
            assertTrue(seconds >= 3.5 && seconds < 6, "answered 2 s before the 6 s idle timeout: " + seconds);
        }
    }
}
