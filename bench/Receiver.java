import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's webhook: answers every POST with 204 at once and measures commit-to-arrival latency from the
 * event's occurredAt. Run as a single-file program: {@code java bench/Receiver.java PORT [THREADS]} (8 threads unless
 * told: several destinations at once want more).
 *
 * <p>GET /stats answers "count=N" (requests so far); GET /reset starts a latency window and GET /latency answers
 * "count=N p50_ms=… p99_ms=…" for the deliveries that arrived since the last reset. GET /counts answers one line per
 * path under /hook ("/hook/d1 requests=N events=M"), never reset: several destinations can point at one receiver,
 * each at a path of its own. Events are the "occurredAt" members of a body (at least 1 a request), so a receiver
 * count stays a count of changes if a connector ever sends several events in one request.
 */
public class Receiver {
    private static final Pattern OCCURRED = Pattern.compile("\"occurredAt\":\\s*\"([^\"]+)\"");
    private static final AtomicLong COUNT = new AtomicLong();
    // Latencies in microseconds of the current window; a plain array is plenty for a bounded benchmark.
    private static final long[] WINDOW = new long[2_000_000];
    private static final AtomicLong WINDOW_SIZE = new AtomicLong();
    private static final Map<String, AtomicLong[]> PER_PATH = new ConcurrentHashMap<>();

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
        server.setExecutor(Executors.newFixedThreadPool(args.length > 1 ? Integer.parseInt(args[1]) : 8));
        server.createContext("/hook", Receiver::hook);
        server.createContext("/stats", e -> answer(e, "count=" + COUNT.get()));
        server.createContext("/reset", e -> {
            WINDOW_SIZE.set(0);
            answer(e, "ok");
        });
        server.createContext("/latency", Receiver::latency);
        server.createContext("/counts", e -> {
            StringBuilder out = new StringBuilder();
            new TreeMap<>(PER_PATH).forEach((path, c) ->
                    out.append(path).append(" requests=").append(c[0].get()).append(" events=").append(c[1].get()).append('\n'));
            answer(e, out.toString());
        });
        server.start();
        System.out.println("receiver listening on 127.0.0.1:" + port);
    }

    private static void hook(HttpExchange e) throws IOException {
        java.time.Instant now = java.time.Instant.now();
        long arrived = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
        byte[] body;
        try (InputStream in = e.getRequestBody()) {
            body = in.readAllBytes();
        }
        COUNT.incrementAndGet();
        Matcher m = OCCURRED.matcher(new String(body, StandardCharsets.UTF_8));
        boolean found = m.find();
        long events = 0;
        if (found) {
            do {
                events++;
            } while (m.find());
            m.reset();
            m.find();
        }
        AtomicLong[] counts = PER_PATH.computeIfAbsent(e.getRequestURI().getPath(),
                path -> new AtomicLong[] {new AtomicLong(), new AtomicLong()});
        counts[0].incrementAndGet();
        counts[1].addAndGet(Math.max(1, events));
        if (found) {
            OffsetDateTime occurred = OffsetDateTime.parse(m.group(1).replace(' ', 'T'));
            long occurredMicros = occurred.toEpochSecond() * 1_000_000 + occurred.getNano() / 1000;
            long slot = WINDOW_SIZE.getAndIncrement();
            if (slot < WINDOW.length) {
                WINDOW[(int) slot] = arrived - occurredMicros;
            }
        }
        e.sendResponseHeaders(204, -1);
        e.close();
    }

    private static void latency(HttpExchange e) throws IOException {
        int n = (int) Math.min(WINDOW_SIZE.get(), WINDOW.length);
        long[] copy = Arrays.copyOf(WINDOW, n);
        Arrays.sort(copy);
        answer(e, n == 0 ? "count=0" : String.format("count=%d p50_ms=%.1f p99_ms=%.1f", n,
                copy[n / 2] / 1000.0, copy[Math.min(n - 1, (int) (n * 0.99))] / 1000.0));
    }

    private static void answer(HttpExchange e, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        e.sendResponseHeaders(200, bytes.length);
        e.getResponseBody().write(bytes);
        e.close();
    }
}
