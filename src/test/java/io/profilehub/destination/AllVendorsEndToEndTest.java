package io.profilehub.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * All four vendor destinations at once. Profiles are created, merged, tracked and searched through the API; each
 * fake then replays what it received the way its vendor's document says it stores it (a field is set to the value
 * sent, null clears it; Ours ignores null inside custom_properties) and must hold ProfileHub's view of every profile
 * under the default mappings.
 */
@MicronautTest
class AllVendorsEndToEndTest extends ServiceTest {
    private static final String SUFFIX = UUID.randomUUID().toString().replace("-", "").substring(0, 6);
    private static final String OURS = "e2eours" + SUFFIX;
    private static final String VERO = "e2evero" + SUFFIX;
    private static final String THRIVE = "e2ethrive" + SUFFIX;
    private static final String MARKETAP = "e2emarketap" + SUFFIX;
    private static final String TOKEN = "e2e-token-" + SUFFIX;

    private final WireMockServer fake = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        fake.start();
        fake.stubFor(post(urlEqualTo("/ours/identify")).willReturn(aResponse().withStatus(200)
                .withBody("{\"success\":true}")));
        fake.stubFor(post(urlPathEqualTo("/vero/users/track")).withQueryParam("auth_token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(200).withBody("{\"status\":200,\"message\":\"Success.\"}")));
        fake.stubFor(post(urlEqualTo("/thrive/identify")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .willReturn(aResponse().withStatus(200).withBody("{\"success\":true}")));
        fake.stubFor(post(urlEqualTo("/mkt/v1/api/profile/user?project_id=p1"))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN)).willReturn(aResponse().withStatus(202)));
        Map<String, String> p = new HashMap<>();
        destination(p, OURS, "ours", "/ours");
        destination(p, VERO, "vero", "/vero");
        destination(p, THRIVE, "thrivestack", "/thrive");
        destination(p, MARKETAP, "marketap", "/mkt");
        p.put("profilehub.destinations." + MARKETAP + ".project-id", "p1");
        p.put("profilehub.outbox.poll-interval", "100ms");
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        return p;
    }

    private void destination(Map<String, String> p, String name, String type, String path) {
        String key = "profilehub.destinations." + name + ".";
        p.put(key + "type", type);
        p.put(key + "url", fake.baseUrl() + path);
        p.put(key + "token", TOKEN);
        p.put(key + "workspaces", workspace);
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

        Map<String, ObjectNode> ours = replay("/ours/", r -> List.of(Api.json(r.getBodyAsString())), "externalId",
                "userProperties");
        Map<String, ObjectNode> vero = replayVero();
        Map<String, ObjectNode> thrive = replay("/thrive/", r -> list(Api.json(r.getBodyAsString())), "user_id",
                "traits");
        Map<String, ObjectNode> marketap = replay("/mkt/", r -> list(Api.json(r.getBodyAsString()).path("profiles")),
                "user_id", "properties");

        for (String email : emails) {
            Api.Response found = api.get("/identify?email=" + URLEncoder.encode(email, StandardCharsets.UTF_8));
            assertEquals(200, found.status(), found.body());
            assertEquals(1, found.json().get("data").size(), found.body());
            JsonNode profile = found.json().get("data").get(0);
            String id = profile.get("id").asText();
            JsonNode ids = profile.get("identifiers");
            JsonNode traits = profile.get("traits");

            ObjectNode oursView = ours.get(id).deepCopy();
            ObjectNode custom = (ObjectNode) oursView.remove("custom_properties");
            assertEquals(expectedOurs(ids, traits), withCustom(oursView, custom, traits), "Ours view of " + email);
            assertEquals(expectedVero(ids, traits), vero.get(id), "Vero view of " + email);
            assertEquals(expectedThrivestack(ids, traits), thrive.get(id), "Thrivestack view of " + email);
            assertEquals(expectedMarketap(ids, traits), marketap.get(id), "Marketap view of " + email);
        }
        // The documented Ours limit: a removed custom property stays at Ours (null there is ignored).
        assertEquals("basic", ours.get(p1).path("custom_properties").path("plan").asText());
    }

    // ---- ProfileHub's view under each vendor's default mapping ----

    private static ObjectNode expectedOurs(JsonNode ids, JsonNode traits) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        copy(ids, "email", v, "email");
        copy(ids, "phoneNumber", v, "phone_number");
        ObjectNode custom = JsonNodeFactory.instance.objectNode();
        traits.fields().forEachRemaining(e -> {
            switch (e.getKey()) {
                case "firstName" -> v.set("first_name", e.getValue());
                case "lastName" -> v.set("last_name", e.getValue());
                case "city" -> v.set("city", e.getValue());
                default -> custom.set(e.getKey(), e.getValue());
            }
        });
        if (!custom.isEmpty()) {
            v.set("custom_properties", custom);
        }
        return v;
    }

    /** Ours's custom properties restricted to the keys ProfileHub has (the rest are the documented limit). */
    private static ObjectNode withCustom(ObjectNode view, ObjectNode custom, JsonNode traits) {
        ObjectNode v = view.deepCopy();
        if (custom != null) {
            ObjectNode kept = JsonNodeFactory.instance.objectNode();
            custom.fields().forEachRemaining(e -> {
                if (traits.has(e.getKey())) {
                    kept.set(e.getKey(), e.getValue());
                }
            });
            if (!kept.isEmpty()) {
                v.set("custom_properties", kept);
            }
        }
        return v;
    }

    private static ObjectNode expectedVero(JsonNode ids, JsonNode traits) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        copy(ids, "email", v, "email");
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        copy(ids, "phoneNumber", data, "phone_number");
        traits.fields().forEachRemaining(e -> data.set(switch (e.getKey()) {
            case "firstName" -> "first_name";
            case "lastName" -> "last_name";
            default -> e.getKey();
        }, e.getValue()));
        if (!data.isEmpty()) {
            v.set("data", data);
        }
        return v;
    }

    private static ObjectNode expectedThrivestack(JsonNode ids, JsonNode traits) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        copy(ids, "email", v, "email");
        if (ids.has("phoneNumber")) {
            v.putArray("enrichment_phone").add(ids.get("phoneNumber"));
        }
        traits.fields().forEachRemaining(e -> v.set(switch (e.getKey()) {
            case "firstName" -> "enrichment_first_name";
            case "lastName" -> "enrichment_last_name";
            case "city" -> "enrichment_city";
            default -> e.getKey();
        }, e.getValue()));
        return v;
    }

    private static ObjectNode expectedMarketap(JsonNode ids, JsonNode traits) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        copy(ids, "email", v, "mkt_email");
        copy(ids, "phoneNumber", v, "mkt_phone_number");
        traits.fields().forEachRemaining(e -> v.set(e.getKey().equals("name") ? "mkt_name" : e.getKey(),
                e.getValue()));
        return v;
    }

    private static void copy(JsonNode from, String key, ObjectNode to, String field) {
        if (from.has(key)) {
            to.set(field, from.get(key));
        }
    }

    // ---- the fakes' stores ----

    /** Replays the items sent under a path: per user id, each field of {@code properties} set, null clears it. */
    private Map<String, ObjectNode> replay(String prefix, Function<LoggedRequest, List<JsonNode>> items,
                                           String userIdField, String propertiesField) {
        Map<String, ObjectNode> store = new HashMap<>();
        boolean ours = prefix.equals("/ours/");
        for (LoggedRequest r : requests(prefix)) {
            for (JsonNode item : items.apply(r)) {
                ObjectNode state = store.computeIfAbsent(item.get(userIdField).asText(),
                        k -> JsonNodeFactory.instance.objectNode());
                item.path(propertiesField).fields().forEachRemaining(e -> {
                    if (ours && e.getKey().equals("custom_properties")) {
                        ObjectNode custom = state.with("custom_properties");
                        e.getValue().fields().forEachRemaining(c -> {
                            if (!c.getValue().isNull() && !(c.getValue().isTextual() && c.getValue().asText().isEmpty())) {
                                custom.set(c.getKey(), c.getValue());
                            }
                        });
                    } else {
                        set(state, e.getKey(), e.getValue());
                    }
                });
            }
        }
        return store;
    }

    private Map<String, ObjectNode> replayVero() {
        Map<String, ObjectNode> store = new HashMap<>();
        for (LoggedRequest r : requests("/vero/")) {
            JsonNode body = Api.json(r.getBodyAsString());
            ObjectNode state = store.computeIfAbsent(body.get("id").asText(), k -> JsonNodeFactory.instance.objectNode());
            if (body.has("email")) {
                set(state, "email", body.get("email"));
            }
            body.path("data").fields().forEachRemaining(e -> set(state.with("data"), e.getKey(), e.getValue()));
            if (state.has("data") && state.get("data").isEmpty()) {
                state.remove("data");
            }
        }
        return store;
    }

    private static void set(ObjectNode state, String field, JsonNode value) {
        if (value.isNull()) {
            state.remove(field);
        } else {
            state.set(field, value);
        }
    }

    private List<LoggedRequest> requests(String prefix) {
        List<ServeEvent> events = new ArrayList<>(fake.getAllServeEvents());
        Collections.reverse(events);
        List<LoggedRequest> matched = new ArrayList<>();
        for (ServeEvent e : events) {
            assertTrue(e.getWasMatched(), "the fake answered a request no stub matched: " + e.getRequest().getUrl());
            if (e.getRequest().getUrl().startsWith(prefix)) {
                matched.add(e.getRequest());
            }
        }
        return matched;
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
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
            ps.setArray(1, c.createArrayOf("text", Set.of(OURS, VERO, THRIVE, MARKETAP).toArray()));
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
