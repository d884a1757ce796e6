package io.profilehub.faults;

import io.profilehub.support.Awaits;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service process is killed with SIGKILL while vendors are answering slowly and clients are writing, then
 * started again: no acknowledged change is lost, every event reaches every vendor in per-profile order, and only
 * the events the dead process held in flight arrive twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Two starts of up to 2 minutes each (START) on a starved machine: 285 s were seen at load average 40.
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class CrashRecoveryTest {
    private static final Duration START = Duration.ofMinutes(2);
    /*
     * A fixed workload, so the drain after the writers stop does not grow with how fast the service takes their
     * requests: each profile gets STEPS writes, a client pausing PAUSE_MS after each, so the writing lasts several
     * seconds (at least 1,200 / (6 threads x 20 steps/s) = 10 s) and the kill comes while clients write.
     */
    private static final int PROFILES = 30;
    private static final int STEPS = 40;
    private static final long PAUSE_MS = 50;
    private final String workspace = "ws_crash";
    private final String key = "phk_crash_" + UUID.randomUUID().toString().replace("-", "");
    private List<VendorFake> vendors;
    private ServiceProcess service;
    private Audit audit;

    @BeforeAll
    void setUp() {
        String url = TestDatabase.createExtraDatabase("crash");
        audit = new Audit(url, TestDatabase.username(), TestDatabase.password(), workspace);
        vendors = List.of(new VendorFake("crash-a").delay(200), new VendorFake("crash-b").delay(150),
                new VendorFake("crash-c").delay(250));
        Map<String, String> p = new HashMap<>(VendorFake.destinations(vendors, "2s", 2));
        p.put("profilehub.outbox.lease", "4s");
        p.put("profilehub.outbox.poll-interval", "500ms");
        p.put("profilehub.outbox.batch-size", "5");
        p.put("profilehub.outbox.retry.initial-delay", "100ms");
        p.put("profilehub.outbox.retry.max-delay", "1s");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "50ms");
        service = new ServiceProcess("crash", url, TestDatabase.username(), TestDatabase.password(), workspace, key, p);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (service != null) {
            service.close();
        }
        if (vendors != null) {
            vendors.forEach(VendorFake::close);
        }
    }

    @Test
    void killedMidDeliveryLosesNothingAndKeepsOrder() throws Exception {
        long t0 = System.nanoTime();
        service.start(START);
        long firstStart = System.nanoTime() - t0;
        Writers writers = new Writers("crash", PROFILES, 6, 0, STEPS, PAUSE_MS, Duration.ofSeconds(20),
                () -> service.alive() ? List.of(service.api()) : List.of()).start();

        // Mid-delivery: every vendor has work behind it, clients are writing, and a request is younger than the
        // slowest vendor's answer time, so it is in flight when the process dies.
        Awaits.until(Duration.ofSeconds(90), () -> writers.ackCount() >= 120
                && vendors.stream().allMatch(v -> v.count() >= 15)
                && vendors.stream().anyMatch(v -> System.nanoTime() - v.lastArrivalNanos() < 80_000_000L));
        String instance = service.instanceId();
        String sessions = service.applicationName();
        service.kill();
        long killedAt = System.nanoTime();
        long ackedAtKill = writers.ackCount();
        audit.awaitSessionsGone(sessions, Duration.ofSeconds(30));
        Set<String> held = audit.inFlightOf(instance, 8); // lanes are read 8 deep (ClaimLoop.perLane)
        System.out.println("FAULTS killed " + instance + " at " + Audit.time(System.currentTimeMillis()
                - (System.nanoTime() - killedAt) / 1_000_000) + " holding " + held);
        assertTrue(ackedAtKill < (long) PROFILES * STEPS, "the kill came while clients were writing");
        service.start(START);
        long downFor = System.nanoTime() - killedAt;
        writers.awaitDone(Duration.ofMinutes(2));
        // A request carries a run of up to 8 consecutive changes of its profile (ClaimLoop.perLane), so even the
        // slowest fake (250 ms an answer, 2 workers) takes the backlog of 30 profiles in seconds. A timeout names what
        // is still waiting.
        Duration drained = audit.awaitDrained(Duration.ofSeconds(60));

        assertTrue(writers.anomalies.isEmpty(), "client-side anomalies: " + writers.anomalies);
        Map<String, Integer> last = writers.lastStepById();
        audit.checkDatabase(last, vendors.stream().map(VendorFake::name).toList());
        Map<String, Integer> attempts = audit.attempts();
        long repeated = 0;
        long unrecorded = 0;
        StringBuilder figures = new StringBuilder();
        for (VendorFake v : vendors) {
            // Only what the killed process sent of the events it held can be missing from the outbox's records.
            Audit.VendorReport r = Audit.checkVendor(v, last, attempts, (request, step) ->
                    request.atNanos() <= killedAt + 1_000_000_000L
                            && held.contains(Audit.key(v.name(), request.profileId(), step)));
            repeated += r.repeatedSteps();
            unrecorded += r.unrecordedSends();
            figures.append(' ').append(r);
        }
        assertFalse(held.isEmpty(), "the kill came while events were in flight");
        System.out.printf("FAULTS crash: first start %d ms, down %d ms (kill to healthy), drained %d ms after the "
                        + "writers stopped; %d profiles, %d steps acknowledged (%d before the kill), %d writes failed "
                        + "while down; %d events held in flight at the kill; %d events with failed (timed-out) attempts; %d "
                        + "steps accepted twice by a vendor, %d sends by the killed process never recorded;%s%n",
                firstStart / 1_000_000, downFor / 1_000_000, drained.toMillis(), last.size(), writers.ackCount(),
                ackedAtKill, writers.attempts().stream().filter(a -> !a.ok()).count(), held.size(),
                attempts.values().stream().filter(a -> a > 0).count(), repeated, unrecorded, figures);
    }
}
