package io.profilehub.http;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Connections that trickle or idle are not held: raw sockets against small configured limits. */
@MicronautTest(transactional = false)
class ServerTimeoutsTest extends ServiceTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.http.request-read-timeout", "1s", "micronaut.server.idle-timeout", "2s");
    }

    /** A header byte every 250 ms never leaves the connection silent; the request deadline still closes it. */
    @Test
    void aTricklingRequestIsAnswered408AndClosed() throws Exception {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(250);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            // 15 s of trickling at most: without a deadline the server would wait for ever.
            for (int i = 0; i < 60; i++) {
                try {
                    out.write('X');
                    out.flush();
                } catch (IOException closed) {
                    break;
                }
                if (readAvailable(in, answer)) {
                    String text = answer.toString(StandardCharsets.UTF_8);
                    assertTrue(text.startsWith("HTTP/1.1 408"), text);
                    assertTrue(text.contains("application/problem+json"), text);
                    return;
                }
            }
            fail("the server still waited for the trickled request: " + answer.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(20_000); // far beyond the configured 2 s, far below Micronaut's default 5 min
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            int n = in.read(buffer);
            assertTrue(new String(buffer, 0, n, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
            try {
                while (true) {
                    int more = in.read(buffer);
                    if (more < 0) {
                        return; // closed by the server
                    }
                }
            } catch (SocketTimeoutException e) {
                fail("an idle keep-alive connection stayed open 20 s");
            }
        }
    }

    @Test
    void anOrdinaryRequestIsUnaffected() throws Exception {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buffer = new byte[4096];
            int n = socket.getInputStream().read(buffer);
            assertEquals("HTTP/1.1 200", new String(buffer, 0, 12, StandardCharsets.US_ASCII), "read " + n);
        }
    }

    /** Reads what has arrived; true once the server closed the connection. */
    private static boolean readAvailable(InputStream in, ByteArrayOutputStream into) throws IOException {
        byte[] buffer = new byte[4096];
        try {
            int n = in.read(buffer);
            if (n < 0) {
                return true;
            }
            into.write(buffer, 0, n);
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
