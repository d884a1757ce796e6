package io.profilehub.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.profilehub.support.Api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * A webhook receiver that answers like a real vendor on a bad day: a share of 5xx, of 429 with Retry-After, and of
 * answers slower than the sender's timeout (a 200 that arrives too late: the vendor did take the event). Every
 * request is logged in arrival order with the profile, the version it brings and the steps it covers (the test's
 * writes set one trait {@code v<step>} per step, so a composed request names each change it carries).
 */
final class VendorFake implements AutoCloseable {
    enum Fault { NONE, SERVER_ERROR, TOO_MANY_REQUESTS, SLOW }

    /** One request as the vendor saw it; {@code status} is what it answered (or would have, when too slow). */
    record Received(long seq, long atMillis, long atNanos, String via, String profileId, long version,
                    List<Integer> steps, int status, Fault fault, String serveId) {
        boolean accepted() {
            return status >= 200 && status < 300;
        }

        int first() {
            return steps.isEmpty() ? -1 : steps.get(0);
        }

        int last() {
            return steps.isEmpty() ? -1 : steps.get(steps.size() - 1);
        }
    }

    private final String name;
    private final Chaos chaos = new Chaos();
    private final WireMockServer server;
    private final Queue<Received> received = new ConcurrentLinkedQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile double serverErrors;
    private volatile double tooManyRequests;
    private volatile double slow;
    private volatile int retryAfterSeconds = 1;
    private volatile int slowMillis = 1000;
    private volatile int delayMillis;

    VendorFake(String name) {
        this.name = name;
        this.server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").containerThreads(80)
                .disableRequestJournal().extensions(chaos));
        server.start();
        server.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
    }

    String url() {
        return server.baseUrl() + "/hook/" + name;
    }

    /** Every answer takes this long (a slow but healthy vendor). */
    VendorFake delay(int millis) {
        this.delayMillis = millis;
        return this;
    }

    VendorFake faults(double serverErrors, double tooManyRequests, int retryAfterSeconds, double slow, int slowMillis) {
        this.serverErrors = serverErrors;
        this.tooManyRequests = tooManyRequests;
        this.retryAfterSeconds = retryAfterSeconds;
        this.slow = slow;
        this.slowMillis = slowMillis;
        return this;
    }

    /** Everything received so far, in arrival order. */
    List<Received> received() {
        List<Received> all = new ArrayList<>(received);
        all.sort(Comparator.comparingLong(Received::seq));
        return all;
    }

    /** Received requests per profile, in arrival order. */
    Map<String, List<Received>> byProfile() {
        Map<String, List<Received>> byProfile = new LinkedHashMap<>();
        for (Received r : received()) {
            byProfile.computeIfAbsent(r.profileId(), k -> new ArrayList<>()).add(r);
        }
        return byProfile;
    }

    long count() {
        return sequence.get();
    }

    /** Nanotime of the latest request, or 0. */
    long lastArrivalNanos() {
        long latest = 0;
        for (Received r : received) {
            latest = Math.max(latest, r.atNanos());
        }
        return latest;
    }

    String name() {
        return name;
    }

    /** Configuration of one webhook destination per fake, named after it. */
    static Map<String, String> destinations(List<VendorFake> vendors, String timeout, int concurrency) {
        return destinations(vendors, timeout, concurrency, null);
    }

    /** The same, with {@code ?via=<via>} on the URL so the fake knows which service instance sent a request. */
    static Map<String, String> destinations(List<VendorFake> vendors, String timeout, int concurrency, String via) {
        Map<String, String> p = new LinkedHashMap<>();
        for (VendorFake v : vendors) {
            String prefix = "profilehub.destinations." + v.name() + ".";
            p.put(prefix + "type", "webhook");
            p.put(prefix + "url", v.url() + (via == null ? "" : "?via=" + via));
            p.put(prefix + "token", v.name() + "-secret");
            p.put(prefix + "timeout", timeout);
            p.put(prefix + "concurrency", String.valueOf(concurrency));
        }
        return p;
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class Chaos implements ResponseDefinitionTransformerV2 {
        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            long seq = sequence.incrementAndGet();
            long at = System.nanoTime();
            long atMillis = System.currentTimeMillis();
            double r = ThreadLocalRandom.current().nextDouble();
            Fault fault;
            ResponseDefinitionBuilder answer = ResponseDefinitionBuilder.responseDefinition();
            if (r < serverErrors) {
                fault = Fault.SERVER_ERROR;
                int[] statuses = {500, 502, 503};
                answer.withStatus(statuses[ThreadLocalRandom.current().nextInt(statuses.length)])
                        .withBody("{\"error\":\"vendor trouble\"}");
            } else if (r < serverErrors + tooManyRequests) {
                fault = Fault.TOO_MANY_REQUESTS;
                answer.withStatus(429).withHeader("Retry-After", String.valueOf(retryAfterSeconds));
            } else if (r < serverErrors + tooManyRequests + slow) {
                fault = Fault.SLOW;
                answer.withStatus(200).withFixedDelay(slowMillis);
            } else {
                fault = Fault.NONE;
                answer.withStatus(200);
                if (delayMillis > 0) {
                    answer.withFixedDelay(delayMillis);
                }
            }
            ResponseDefinition definition = answer.build();
            JsonNode body = Api.json(serveEvent.getRequest().getBodyAsString());
            String url = serveEvent.getRequest().getUrl();
            String via = url.contains("via=") ? url.substring(url.indexOf("via=") + 4) : "";
            received.add(new Received(seq, atMillis, at, via, body.path("profileId").asText(),
                    body.path("version").asLong(), steps(body.path("traits")), definition.getStatus(), fault,
                    serveEvent.getId() + " " + serveEvent.getRequest().getHeader("X-ProfileHub-Delivery")));
            return definition;
        }

        private List<Integer> steps(JsonNode traits) {
            List<Integer> steps = new ArrayList<>();
            Iterator<String> names = traits.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                if (n.matches("v\\d+") && !traits.get(n).isNull()) {
                    steps.add(Integer.parseInt(n.substring(1)));
                }
            }
            steps.sort(Integer::compare);
            return steps;
        }

        @Override
        public String getName() {
            return "vendor-chaos";
        }

        @Override
        public boolean applyGlobally() {
            return true;
        }
    }
}
