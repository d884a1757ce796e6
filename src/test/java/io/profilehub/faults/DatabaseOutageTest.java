package io.profilehub.faults;

import io.profilehub.support.Awaits;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under load, the service's database stops taking connections for several seconds: its sessions are terminated
 * again and again and new ones are refused ({@code ALLOW_CONNECTIONS false}), on this test's own database only, so
 * the shared server and other runs are untouched. The API answers 503 problem+json with Retry-After within its
 * connection timeout, comes back by itself, the outbox resumes, and no acknowledged write is lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DatabaseOutageTest {
    private static final Duration OUTAGE = Duration.ofSeconds(8);
    /** Hikari's connection-timeout is 5 s; an answer may take a little longer, never much. */
    private static final long MAX_ANSWER_MILLIS = 7_500;
    private static final Duration LEASE = Duration.ofSeconds(5);
    private final String workspace = "ws_outage";
    private final String key = "phk_outage_" + UUID.randomUUID().toString().replace("-", "");
    private String database;
    private List<VendorFake> vendors;
    private ServiceProcess service;
    private Audit audit;

    @BeforeAll
    void setUp() {
        String url = TestDatabase.createExtraDatabase("outage");
        database = url.replaceAll("^.*/([^/?]+)(\\?.*)?$", "$1");
        audit = new Audit(url, TestDatabase.username(), TestDatabase.password(), workspace);
        vendors = List.of(new VendorFake("outage-a"), new VendorFake("outage-b").delay(20));
        Map<String, String> p = new HashMap<>(VendorFake.destinations(vendors, "2s", 4));
        p.put("profilehub.outbox.lease", LEASE.toSeconds() + "s");
        p.put("profilehub.outbox.poll-interval", "500ms");
        p.put("profilehub.outbox.batch-size", "20");
        p.put("profilehub.outbox.retry.initial-delay", "100ms");
        p.put("profilehub.outbox.retry.max-delay", "1s");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "50ms");
        service = new ServiceProcess("outage", url, TestDatabase.username(), TestDatabase.password(), workspace, key, p);
    }

    @AfterAll
    void tearDown() throws Exception {
        TestDatabase.executeAsAdmin("alter database " + database + " with allow_connections true");
        if (service != null) {
            service.close();
        }
        if (vendors != null) {
            vendors.forEach(VendorFake::close);
        }
    }

    @Test
    void answers503DuringAnOutageAndRecoversWithoutLosingAcknowledgedWrites() throws Exception {
        service.start(Duration.ofMinutes(2));
        Writers writers = new Writers("outage", 60, 10, 2, 0, 5, Duration.ofSeconds(30),
                () -> List.of(service.api())).start();
        Awaits.until(Duration.ofSeconds(60), () -> writers.ackCount() >= 150
                && vendors.stream().allMatch(v -> v.count() >= 20));

        long downAt = System.nanoTime();
        long ackedAtOutage = writers.ackCount();
        int terminated = cutOff(OUTAGE);
        long upAt = System.nanoTime();
        long ackedInOutage = writers.acks.stream().filter(a -> a.atNanos() > downAt + 1_000_000_000L
                && a.atNanos() < upAt).count();
        assertEquals(0, ackedInOutage, "no write can be acknowledged while the database refuses connections");

        Awaits.until(Duration.ofSeconds(60), () -> writers.acks.stream().anyMatch(a -> a.atNanos() > upAt));
        long recovered = writers.acks.stream().mapToLong(Writers.Ack::atNanos).filter(t -> t > upAt).min()
                .orElseThrow() - upAt;
        long ackedAtRecovery = writers.ackCount();
        Awaits.until(Duration.ofSeconds(60), () -> writers.ackCount() >= ackedAtRecovery + 150);
        writers.stop(Duration.ofSeconds(60));
        long stoppedAt = System.nanoTime();
        Duration drained = audit.awaitDrained(Duration.ofSeconds(90));

        List<Writers.Attempt> attempts = writers.attempts();
        List<String> wrong = new ArrayList<>();
        List<Long> unavailable = new ArrayList<>();
        long slowest = 0;
        for (Writers.Attempt a : attempts) {
            slowest = Math.max(slowest, a.millis());
            if (a.millis() > MAX_ANSWER_MILLIS) {
                wrong.add(a.method() + " took " + a.millis() + " ms (status " + a.status() + ")");
            }
            if (a.ok()) {
                continue;
            }
            if (a.status() != 503) {
                wrong.add(a.method() + " answered " + a.status() + (a.error() == null ? "" : " " + a.error()));
            } else if (!"application/problem+json".equals(a.contentType()) || a.retryAfter() == null
                    || !a.retryAfter().matches("\\d+") || a.problemType() == null
                    || !a.problemType().endsWith("/database-unavailable")) {
                wrong.add("503 without problem+json and Retry-After: " + a);
            } else {
                unavailable.add(a.millis());
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " answers were neither 2xx nor a prompt 503 problem: "
                + wrong.subList(0, Math.min(20, wrong.size())));
        assertTrue(unavailable.size() >= 5, "the outage was seen as 503s: " + unavailable.size());
        assertTrue(writers.anomalies.isEmpty(), "client-side anomalies: " + writers.anomalies);

        Map<String, Integer> last = writers.lastStepById();
        audit.checkDatabase(last, vendors.stream().map(VendorFake::name).toList());
        // A delivery sent under a claim whose settlement the outage cut off is unknown to the outbox (and is sent
        // again once the lease ends): such sends happen between a lease before the outage and its end.
        long mayBeUnrecordedFrom = downAt - LEASE.toNanos() - 1_000_000_000L;
        long mayBeUnrecordedUntil = upAt + 1_000_000_000L;
        Map<String, Integer> failedAttempts = audit.attempts();
        StringBuilder figures = new StringBuilder();
        for (VendorFake v : vendors) {
            figures.append(' ').append(Audit.checkVendor(v, last, failedAttempts, (request, step) ->
                    request.atNanos() >= mayBeUnrecordedFrom && request.atNanos() <= mayBeUnrecordedUntil));
        }
        unavailable.sort(Long::compare);
        System.out.printf("FAULTS outage: %d s without connections (%d sessions terminated); %d requests, %d "
                        + "answered 503 problem+json in %d..%d ms (median %d ms), slowest answer of all %d ms; %d "
                        + "writes acknowledged before, first acknowledged write "
                        + "%d ms after the database came back; outbox drained %d ms after the writers stopped "
                        + "(%d steps acknowledged in all);%s%n",
                OUTAGE.toSeconds(), terminated, attempts.size(), unavailable.size(), unavailable.get(0),
                unavailable.get(unavailable.size() - 1), unavailable.get(unavailable.size() / 2), slowest,
                ackedAtOutage, recovered / 1_000_000, drained.toMillis(), writers.ackCount(), figures);
        assertTrue(stoppedAt > upAt);
    }

    /** Refuses new sessions and terminates the open ones, again and again, for the given time. */
    private int cutOff(Duration outage) throws Exception {
        int terminated = 0;
        try (Connection admin = TestDatabase.connectAsAdmin(); Statement s = admin.createStatement();
             PreparedStatement kill = admin.prepareStatement("""
                     select count(pg_terminate_backend(pid)) from pg_stat_activity
                      where datname = ? and pid <> pg_backend_pid()""")) {
            s.execute("alter database " + database + " with allow_connections false");
            try {
                kill.setString(1, database);
                long end = System.nanoTime() + outage.toNanos();
                while (System.nanoTime() < end) {
                    try (var rs = kill.executeQuery()) {
                        rs.next();
                        terminated += rs.getInt(1);
                    }
                    Thread.sleep(100);
                }
            } finally {
                s.execute("alter database " + database + " with allow_connections true");
            }
        }
        return terminated;
    }
}
