package io.profilehub.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import io.profilehub.support.VendorFakes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every vendor destination at once ({@link VendorFakes#ALL}). Profiles are created, merged, tracked and searched
 * through the API; each fake then replays what it received the way its vendor's document says it stores it (a field
 * is set to the value sent, null clears it; Ours ignores null inside custom_properties) and must hold ProfileHub's
 * view of every profile under the default mappings.
 */
@MicronautTest
class AllVendorsEndToEndTest extends ServiceTest {
    private static final String SUFFIX = UUID.randomUUID().toString().replace("-", "").substring(0, 6);
    private static final String TOKEN = "e2e-token-" + SUFFIX;

    private final WireMockServer fake = new WireMockServer(options().dynamicPort());

    private static String name(VendorFakes.Vendor vendor) {
        return "e2e" + vendor.type() + SUFFIX;
    }

    @Override
    protected Map<String, String> extraProperties() {
        fake.start();
        Map<String, String> p = new HashMap<>();
        for (VendorFakes.Vendor vendor : VendorFakes.ALL) {
            vendor.stubs().accept(fake, TOKEN);
            p.putAll(vendor.config(name(vendor), fake.baseUrl(), TOKEN, workspace));
        }
        p.put("profilehub.outbox.poll-interval", "100ms");
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        return p;
    }

    @AfterAll
    void stopFake() {
        fake.stop();
    }

    @Test
    void everyVendorEndsWithProfileHubsViewOfEveryProfile() {
        Api api = api();
        String tag = SUFFIX;
        List<String> emails = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            emails.add("p" + i + "-" + tag + "@example.com");
        }
        String p1 = create(api, """
                {"identifiers":{"email":"%s","phoneNumber":"+4420%s1"},
                 "traits":{"firstName":"Ada","lastName":"Lovelace","city":"London","plan":"basic","tags":["a","b"],
                           "address":{"street":"1 Way","city":"London","zip":"N1"}}}""".formatted(emails.get(0), tag.hashCode() & 0xffff));
        String p2 = create(api, """
                {"identifiers":{"email":"%s"},"traits":{"name":"Grace","score":1}}""".formatted(emails.get(1)));
        String p3 = create(api, """
                {"identifiers":{"email":"%s","phoneNumber":"+4420%s3"},"traits":{"firstName":"Alan"}}"""
                .formatted(emails.get(2), tag.hashCode() & 0xffff));
        String p4 = create(api, """
                {"identifiers":{"email":"%s"}}""".formatted(emails.get(3)));
        String p5 = create(api, """
                {"identifiers":{"email":"%s"},"traits":{"tags":["x"]}}""".formatted(emails.get(4)));

        ok(api.post("/identify/" + p1, "{\"traits\":{\"plan\":null,\"city\":\"Paris\",\"address\":{\"zip\":null}}}"));
        ok(api.post("/track/" + p1, "{\"traits\":{\"score\":10}}"));
        ok(api.post("/identify/" + p2, "{\"identifiers\":{\"phoneNumber\":\"+4420" + (tag.hashCode() & 0xffff) + "2\"}}"));
        ok(api.post("/track/" + p2, "{\"traits\":{\"name\":\"Grace H\",\"address\":{\"street\":\"2 Road\"}}}"));
        ok(api.post("/track/" + p2, "{\"traits\":{\"address\":{\"city\":\"Arlington\"}}}"));
        ok(api.post("/identify/" + p3, "{\"identifiers\":{\"phoneNumber\":null}}"));
        ok(api.post("/track/" + p3, "{\"traits\":{\"firstName\":null,\"lastName\":\"Turing\"}}"));
        ok(api.post("/track/" + p4, "{\"traits\":{\"firstName\":\"Kat\"}}"));
        Api.Response merged = api.post("/identify", "{\"identifiers\":{\"email\":\"" + emails.get(3)
                + "\"},\"traits\":{\"lastName\":\"Johnson\"}}");
        assertEquals(200, merged.status(), "identify with a known email merges into p4");
        ok(api.post("/track/" + p5, "{\"traits\":{\"tags\":[\"x\",\"y\"],\"address\":{\"street\":\"5 Lane\"}}}"));
        ok(api.post("/track/" + p5, "{\"traits\":{\"address\":null}}"));

        Awaits.until(Duration.ofSeconds(20), this::allSettled);
        assertEquals(0, count("dead"), "nothing was dead-lettered");

        requireEveryRequestMatched();
        Map<String, Map<String, ObjectNode>> stores = new HashMap<>();
        for (VendorFakes.Vendor vendor : VendorFakes.ALL) {
            stores.put(vendor.type(), vendor.store().apply(vendor.received(fake, vendor.upsertPrefix())));
        }

        for (String email : emails) {
            Api.Response found = api.get("/identify?email=" + URLEncoder.encode(email, StandardCharsets.UTF_8));
            assertEquals(200, found.status(), found.body());
            assertEquals(1, found.json().get("data").size(), found.body());
            JsonNode profile = found.json().get("data").get(0);
            String id = profile.get("id").asText();
            JsonNode ids = profile.get("identifiers");
            JsonNode traits = profile.get("traits");
            for (VendorFakes.Vendor vendor : VendorFakes.ALL) {
                ObjectNode stored = stores.get(vendor.type()).get(id);
                assertNotNull(stored, vendor.type() + " received " + email);
                assertEquals(vendor.expected().apply(ids, traits), vendor.comparable().apply(stored, traits),
                        vendor.type() + " view of " + email);
            }
        }
        // The documented Ours limit: a removed custom property stays at Ours (null there is ignored).
        assertEquals("basic", stores.get(VendorFakes.OURS.type()).get(p1).path("custom_properties").path("plan").asText());
    }

    private void requireEveryRequestMatched() {
        for (ServeEvent e : fake.getAllServeEvents()) {
            assertTrue(e.getWasMatched(), "the fake answered a request no stub matched: " + e.getRequest().getUrl());
        }
    }

    private static String create(Api api, String json) {
        Api.Response r = api.post("/identify", json);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    private static void ok(Api.Response r) {
        assertEquals(200, r.status(), r.body());
    }

    private boolean allSettled() {
        return count("pending") + count("in_flight") == 0 && count("delivered") > 0;
    }

    private long count(String status) {
        String sql = "select count(*) from profilehub.delivery_status where destination = any(?) and status = ?";
        try (Connection c = TestDatabase.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", VendorFakes.ALL.stream().map(AllVendorsEndToEndTest::name).toArray()));
            ps.setString(2, status);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
