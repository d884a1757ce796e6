package io.profilehub.faults;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 10,000 events (250 profiles × 10 changes × 4 destinations) to vendors that answer 30% 5xx, 10% 429 with
 * Retry-After and 5% too slowly for the 300 ms timeout. Everything arrives, in per-profile order, every request is
 * an attempt the outbox counted, and the request count and the spacing of retries show the backoff at work rather
 * than a retry storm.
 */
@MicronautTest(transactional = false)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class VendorChaosTest extends ServiceTest {
    private static final int PROFILES = 250;
    private static final int STEPS = 10;
    private static final long INITIAL_DELAY = 50;
    private static final long MAX_DELAY = 500;
    private static final int RETRY_AFTER_SECONDS = 1;
    private static final long TIMEOUT = 300;
    /**
     * Share of retries allowed to reach the vendor sooner than their backoff. From the vendor's side a retry can only
     * look early when the attempt before it arrived late: written by a starved sender after its own 300 ms timeout
     * had already failed it. A broken backoff makes nearly every retry early.
     */
    private static final double EARLY_ARRIVALS = 0.01;
    private final List<VendorFake> vendors = List.of(new VendorFake("chaos-a"), new VendorFake("chaos-b"),
            new VendorFake("chaos-c"), new VendorFake("chaos-d"));

    @Override
    protected Map<String, String> extraProperties() {
        Map<String, String> p = new HashMap<>(VendorFake.destinations(vendors, TIMEOUT + "ms", 4));
        p.put("profilehub.outbox.retry.initial-delay", INITIAL_DELAY + "ms");
        p.put("profilehub.outbox.retry.multiplier", "2");
        p.put("profilehub.outbox.retry.max-delay", MAX_DELAY + "ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "50ms");
        p.put("profilehub.outbox.retry.max-attempts", "100");
        p.put("profilehub.outbox.poll-interval", "250ms");
        return p;
    }

    @AfterAll
    void stopVendors() {
        vendors.forEach(VendorFake::close);
    }

    @Test
    void everyEventArrivesInOrderWithBackoffUnderVendorChaos() throws Exception {
        Audit audit = new Audit(TestDatabase.url(), TestDatabase.username(), TestDatabase.password(), workspace)
                .only(vendors.stream().map(VendorFake::name).toList());
        long start = System.nanoTime();
        Writers writers = new Writers("chaos", PROFILES, 12, 0, STEPS, 0, Duration.ofSeconds(30),
                () -> List.of(api())).start();
        // The first requests of a cold HTTP client can take longer than the 300 ms timeout on a busy machine: let a
        // few through unharmed, then the chaos begins.
        Awaits.until(Duration.ofSeconds(60), () -> vendors.stream().allMatch(v -> v.count() >= 10));
        vendors.forEach(v -> v.faults(0.30, 0.10, RETRY_AFTER_SECONDS, 0.05, 800));
        long calm = vendors.stream().mapToLong(VendorFake::count).sum();
        writers.awaitDone(Duration.ofMinutes(3));
        long written = System.nanoTime() - start;
        assertTrue(writers.anomalies.isEmpty(), "client-side anomalies: " + writers.anomalies);
        long events = audit.events();
        assertEquals((long) PROFILES * STEPS * vendors.size(), events, "events written");
        Duration drained = audit.awaitDrained(Duration.ofMinutes(3));
        long total = System.nanoTime() - start;
        System.out.printf("FAULTS vendor chaos: %d events from %d writes in %d ms, all settled %d ms later%n",
                events, writers.ackCount(), written / 1_000_000, drained.toMillis());

        Map<String, Integer> last = writers.lastStepById();
        audit.checkDatabase(last, vendors.stream().map(VendorFake::name).toList());
        Map<String, Integer> attempts = audit.attempts();
        StringBuilder figures = new StringBuilder();
        long requests = 0;
        long perVendorEvents = events / vendors.size();
        for (VendorFake v : vendors) {
            // Nobody crashes here: every request must be an attempt the outbox counted.
            Audit.VendorReport report = Audit.checkVendor(v, last, attempts, (request, step) -> false);
            Backoff backoff = checkBackoff(v);
            requests += report.requests();
            assertTrue(report.requests() < 3 * perVendorEvents, v.name() + ": " + report.requests()
                    + " requests for " + perVendorEvents + " events is a retry storm");
            figures.append(String.format("%n  %s: %d requests (%s), %d accepted (%.2f requests per accepted one, "
                            + "%.2f events per accepted request), %d steps accepted twice; %d retries checked, %d "
                            + "arrived early (%s), the closest on-time one %d ms after its due time, longest run of "
                            + "failures %d",
                    v.name(), report.requests(), backoff.faults, report.accepted(),
                    (double) report.requests() / report.accepted(), (double) perVendorEvents / report.accepted(),
                    report.repeatedSteps(), backoff.retries, backoff.early.size(), backoff.early,
                    backoff.minSlackMillis, backoff.longestRun));
        }
        System.out.printf("FAULTS vendor chaos: %d events, faults from the %dth request on, %d writes in %d ms, all "
                        + "delivered %d ms after the last write (%d ms in all), %d vendor requests (%.2f per event)%s%n",
                events, calm + 1, writers.ackCount(), written / 1_000_000, drained.toMillis(), total / 1_000_000,
                requests, (double) requests / events, figures);
    }

    private record Backoff(long retries, List<String> early, long minSlackMillis, int longestRun,
                           Map<VendorFake.Fault, Long> faults) {
    }

    /**
     * Each retry of a profile's head event reaches the vendor no sooner than the backoff after its n-th consecutive
     * failure, min(initial × 2^(n-1), max), nor, after a 429, sooner than its Retry-After.
     */
    private static Backoff checkBackoff(VendorFake vendor) {
        List<String> early = new ArrayList<>();
        long retries = 0;
        long minSlack = Long.MAX_VALUE;
        int longestRun = 0;
        Map<VendorFake.Fault, Long> faults = new TreeMap<>();
        for (List<VendorFake.Received> requests : vendor.byProfile().values()) {
            int failures = 0;
            VendorFake.Received previous = null;
            for (VendorFake.Received r : requests) {
                faults.merge(r.fault(), 1L, Long::sum);
                if (previous != null && failures > 0) {
                    long due = Math.min(INITIAL_DELAY << Math.min(failures - 1, 20), MAX_DELAY);
                    if (previous.status() == 429) {
                        due = Math.max(due, RETRY_AFTER_SECONDS * 1000L);
                    }
                    long gap = (r.atNanos() - previous.atNanos()) / 1_000_000;
                    retries++;
                    if (gap < due - 2) {
                        early.add(gap + " ms after a " + previous.status() + " (" + previous.fault() + "), due "
                                + due + " ms");
                    } else {
                        minSlack = Math.min(minSlack, gap - due);
                    }
                }
                boolean failed = !r.accepted() || r.fault() == VendorFake.Fault.SLOW;
                failures = failed ? failures + 1 : 0;
                longestRun = Math.max(longestRun, failures);
                previous = r;
            }
        }
        assertTrue(retries > 100, vendor.name() + ": retries happened: " + retries);
        assertTrue(early.size() <= EARLY_ARRIVALS * retries, vendor.name() + ": " + early.size() + " of " + retries
                + " retries came before their backoff: " + early);
        return new Backoff(retries, early, minSlack, longestRun, faults);
    }
}
