package io.profilehub.operations;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The management port answers only requests addressed to its configured host names (issue 19, item 11): a page
 * reaching it by DNS rebinding names its own host and is refused before any endpoint runs.
 */
@MicronautTest(transactional = false)
class ManagementHostTest extends ServiceTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.outbox.enabled", "false",
                "profilehub.destinations.hook.type", "webhook",
                "profilehub.destinations.hook.url", "http://127.0.0.1:9/hook",
                "profilehub.destinations.hook.token", "t");
    }

    private String raw(String method, String path, String host) throws IOException {
        int port = server.getApplicationContext().getRequiredProperty("profilehub.management.port", Integer.class);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void onlyConfiguredHostNamesAreAnswered() throws IOException {
        String rebound = raw("POST", "/destinations/hook/pause", "attacker.example:8081");
        assertTrue(rebound.startsWith("HTTP/1.1 421"), rebound);
        assertTrue(rebound.contains("application/problem+json") && rebound.contains("allowed-hosts"), rebound);
        assertTrue(raw("GET", "/destinations", "attacker.example").startsWith("HTTP/1.1 421"));
        String destinations = raw("GET", "/destinations", "localhost:1234");
        assertTrue(destinations.startsWith("HTTP/1.1 200"), destinations);
        assertTrue(destinations.contains("\"paused\":false"), "the refused pause changed nothing: " + destinations);
        assertTrue(raw("GET", "/health", "127.0.0.1").startsWith("HTTP/1.1 200"));
        assertTrue(raw("GET", "/health", "[::1]:8081").startsWith("HTTP/1.1 200"));
        // The API port is not concerned: any Host reaches it (its keys decide).
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: api.example\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String api = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(api.startsWith("HTTP/1.1 200"), api);
        }
    }
}
