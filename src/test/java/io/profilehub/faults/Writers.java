package io.profilehub.faults;

import io.profilehub.support.Api;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * Clients that keep writing through whatever happens to the service. Each profile is written by one thread, one
 * step after the other: step 1 creates it (resolved by a unique externalId, so a create repeated after a lost answer
 * finds the same profile), step k sets trait {@code v<k>}. A step is repeated until it is acknowledged (2xx), so
 * the profile's version equals its last acknowledged step. Every request is recorded with its latency and answer.
 */
final class Writers {
    /** One HTTP exchange; status -1 when no answer came (connection refused or reset, client timeout). */
    record Attempt(long startNanos, long endNanos, String method, int status, String contentType, String retryAfter,
                   String problemType, String error) {
        long millis() {
            return (endNanos - startNanos) / 1_000_000;
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    record Ack(int profile, String profileId, int step, long version, long atNanos) {
    }

    private final String prefix;
    private final int profiles;
    private final int threads;
    private final int readers;
    private final long pauseMillis;
    private final int maxSteps;
    private final Duration requestTimeout;
    private final Supplier<List<Api>> targets;
    private final AtomicReferenceArray<String> ids;
    private final AtomicLongArray lastAcked;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong acked = new AtomicLong();
    final Queue<Attempt> attempts = new ConcurrentLinkedQueue<>();
    final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
    final Queue<String> anomalies = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping;
    private ExecutorService pool;
    private final List<Future<?>> futures = new ArrayList<>();

    /**
     * @param targets     the services to write to, asked before every request (a killed one drops out, a
     *                    restarted one comes back on its new port)
     * @param maxSteps    steps per profile, 0 for as many as time allows
     * @param pauseMillis pause after each acknowledged step, to give a steady stream rather than a flood
     */
    Writers(String prefix, int profiles, int threads, int readers, int maxSteps, long pauseMillis,
            Duration requestTimeout, Supplier<List<Api>> targets) {
        this.prefix = prefix;
        this.profiles = profiles;
        this.threads = threads;
        this.readers = readers;
        this.maxSteps = maxSteps;
        this.pauseMillis = pauseMillis;
        this.requestTimeout = requestTimeout;
        this.targets = targets;
        this.ids = new AtomicReferenceArray<>(profiles);
        this.lastAcked = new AtomicLongArray(profiles);
    }

    Writers start() {
        pool = Executors.newFixedThreadPool(threads + readers);
        for (int t = 0; t < threads; t++) {
            int slot = t;
            futures.add(pool.submit(() -> write(slot)));
        }
        for (int r = 0; r < readers; r++) {
            futures.add(pool.submit(this::read));
        }
        return this;
    }

    /** Asks the writers to stop after their current step (each step is retried until acknowledged) and waits. */
    void stop(Duration timeout) throws Exception {
        stopping = true;
        awaitDone(timeout);
    }

    /** Waits until every profile has all its steps (only with maxSteps). */
    void awaitDone(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<?> f : futures) {
            f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        pool.shutdown();
    }

    long ackCount() {
        return acked.get();
    }

    /** Last acknowledged step (= the profile's version) per profile id. */
    Map<String, Integer> lastStepById() {
        Map<String, Integer> last = new HashMap<>();
        for (int p = 0; p < profiles; p++) {
            if (ids.get(p) != null) {
                last.put(ids.get(p), (int) lastAcked.get(p));
            }
        }
        return last;
    }

    List<Attempt> attempts() {
        return new ArrayList<>(attempts);
    }

    private void write(int slot) {
        List<Integer> mine = new ArrayList<>();
        for (int p = slot; p < profiles; p += threads) {
            mine.add(p);
        }
        while (!stopping) {
            boolean any = false;
            for (int p : mine) {
                if (stopping) {
                    return;
                }
                if (maxSteps > 0 && lastAcked.get(p) >= maxSteps) {
                    continue;
                }
                any = true;
                step(p);
                pause(pauseMillis);
            }
            if (!any) {
                return;
            }
        }
    }

    /** One step of one profile, repeated until the service acknowledges it. */
    private void step(int p) {
        int step = (int) lastAcked.get(p) + 1;
        long giveUpAt = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < giveUpAt) {
            List<Api> live = targets.get();
            if (live.isEmpty()) {
                pause(50);
                continue;
            }
            Api api = live.get(Math.floorMod(roundRobin.getAndIncrement(), live.size()));
            String path = step == 1 ? "/identify" : "/identify/" + ids.get(p);
            String body = step == 1
                    ? "{\"identifiers\":{\"externalId\":\"" + prefix + "-" + p + "\"},\"traits\":{\"v1\":1}}"
                    : "{\"traits\":{\"v" + step + "\":" + step + "}}";
            Api.Response r = send(api, "POST", api.builder(path).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            if (r != null && r.status() >= 200 && r.status() < 300) {
                long version = r.json().get("version").asLong();
                String id = r.json().get("id").asText();
                if (version != step) {
                    anomalies.add(prefix + "-" + p + " step " + step + " was acknowledged as version " + version);
                }
                if (step == 1) {
                    ids.set(p, id);
                } else if (!id.equals(ids.get(p))) {
                    anomalies.add(prefix + "-" + p + " step " + step + " answered for profile " + id);
                }
                acks.add(new Ack(p, id, step, version, System.nanoTime()));
                lastAcked.set(p, step);
                acked.incrementAndGet();
                return;
            }
            if (r != null && r.status() >= 400 && r.status() < 500 && r.status() != 429) {
                anomalies.add(prefix + "-" + p + " step " + step + " refused: " + r.status() + " " + r.body());
            }
            pause(100 + ThreadLocalRandom.current().nextInt(100));
        }
        anomalies.add(prefix + "-" + p + " step " + step + " never acknowledged");
        stopping = true;
    }

    private void read() {
        while (!stopping) {
            int p = ThreadLocalRandom.current().nextInt(profiles);
            String id = ids.get(p);
            List<Api> live = targets.get();
            if (id == null || live.isEmpty()) {
                pause(20);
                continue;
            }
            Api api = live.get(Math.floorMod(roundRobin.getAndIncrement(), live.size()));
            long acknowledged = lastAcked.get(p);
            Api.Response r = send(api, "GET", api.builder("/identify/" + id).GET());
            if (r != null && r.status() == 200 && r.json().get("version").asLong() < acknowledged) {
                anomalies.add("read of " + id + " answered version " + r.json().get("version").asLong()
                        + " after version " + acknowledged + " was acknowledged");
            }
            pause(r != null && r.status() == 200 ? pauseMillis : 100);
        }
    }

    private Api.Response send(Api api, String method, HttpRequest.Builder request) {
        long start = System.nanoTime();
        try {
            Api.Response r = api.send(request.timeout(requestTimeout));
            String problemType = r.json() != null && r.json().has("type") ? r.json().get("type").asText() : null;
            attempts.add(new Attempt(start, System.nanoTime(), method, r.status(), r.header("Content-Type"),
                    r.header("Retry-After"), problemType, null));
            return r;
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            attempts.add(new Attempt(start, System.nanoTime(), method, -1, null, null, null, cause.toString()));
            return null;
        }
    }

    private static void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
