package io.profilehub.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vendor destinations the end-to-end and erasure tests run against, as data: each entry says how to configure
 * the vendor, how its fake answers, what it stores of what it received and what an erasure must leave there. A fifth
 * vendor is its package, its contract test and one entry in {@link #ALL}.
 */
public final class VendorFakes {
    private VendorFakes() {
    }

    /**
     * @param type          the destination type in configuration
     * @param path          where its fake answers, below the fake's base URL
     * @param options       further destination keys (without the {@code profilehub.destinations.<name>.} prefix)
     * @param stubs         answers every call its connector makes, upserts and erasures (fake, token)
     * @param upsertPrefix  the URL prefix of its profile upserts
     * @param store         what the vendor holds after the upserts it received, by user id, the way its document
     *                      says it stores them (a field is set to the value sent, null clears it)
     * @param expected      ProfileHub's view of a profile (identifiers, traits) under the default mapping, as the
     *                      store should hold it
     * @param comparable    the stored view restricted to what the vendor can be expected to mirror (traits given)
     * @param erasure       what {@code GET /erasures/{id}} says of the vendor once an erasure completes
     */
    public record Vendor(String type, String path, Map<String, String> options,
                         BiConsumer<WireMockServer, String> stubs, String upsertPrefix,
                         Function<List<LoggedRequest>, Map<String, ObjectNode>> store,
                         BiFunction<JsonNode, JsonNode, ObjectNode> expected,
                         BiFunction<ObjectNode, JsonNode, ObjectNode> comparable, Erasure erasure) {

        /** The configuration of this vendor as destination {@code name}, serving {@code workspace}. */
        public Map<String, String> config(String name, String baseUrl, String token, String workspace) {
            String key = "profilehub.destinations." + name + ".";
            Map<String, String> p = new LinkedHashMap<>();
            p.put(key + "type", type);
            p.put(key + "url", baseUrl + path);
            p.put(key + "token", token);
            p.put(key + "workspaces", workspace);
            options.forEach((k, v) -> p.put(key + k, v));
            return p;
        }

        /** The requests to this vendor's fake under {@code prefix} (relative to its path), oldest first. */
        public List<LoggedRequest> received(WireMockServer fake, String prefix) {
            List<LoggedRequest> received = new ArrayList<>();
            // WireMock lists the newest first; logged dates can tie within a millisecond.
            for (ServeEvent e : fake.getAllServeEvents()) {
                if (e.getRequest().getUrl().startsWith(path + prefix)) {
                    received.add(0, e.getRequest());
                }
            }
            return received;
        }

        /** This vendor's upserts that carry {@code profileId}. */
        public List<LoggedRequest> upserts(WireMockServer fake, String profileId) {
            return received(fake, upsertPrefix).stream().filter(r -> r.getBodyAsString().contains(profileId)).toList();
        }
    }

    /**
     * @param status        the erasure status of the vendor's destination
     * @param detail        text its detail must contain, or null
     * @param checkOne      what the fake must have received for one erased user
     * @param checkMany     what it must have received when several users were erased together while it was paused,
     *                      after each had an upsert queued behind its creation (fake, vendor, user ids)
     */
    public record Erasure(String status, String detail, OneErased checkOne, ManyErased checkMany) {
    }

    @FunctionalInterface
    public interface OneErased {
        void check(WireMockServer fake, Vendor vendor, String userId, String email, String token);
    }

    @FunctionalInterface
    public interface ManyErased {
        void check(WireMockServer fake, Vendor vendor, List<String> userIds);
    }

    public static final Vendor OURS = new Vendor("ours", "/ours", Map.of(),
            (fake, token) -> fake.stubFor(post(urlEqualTo("/ours/identify"))
                    .willReturn(aResponse().withStatus(200).withBody("{\"success\":true}"))),
            "/identify",
            received -> replay(received, body -> List.of(body), "externalId", "userProperties", true),
            VendorFakes::expectedOurs, VendorFakes::oursComparable,
            new Erasure("scrubbed", "custom properties", (fake, vendor, id, email, token) -> {
                // Ours has no delete: the erasure is an upsert that sets every mapped property to null.
                List<LoggedRequest> sent = vendor.upserts(fake, id);
                JsonNode scrub = Api.json(sent.get(sent.size() - 1).getBodyAsString());
                assertEquals(token, scrub.get("token").asText());
                assertEquals(id, scrub.get("externalId").asText());
                assertEquals(email, scrub.get("email").asText(), "Ours finds the user by its email");
                scrub.get("userProperties").fields().forEachRemaining(f -> assertTrue(f.getValue().isNull(), f.getKey()));
                assertTrue(scrub.get("userProperties").has("first_name") && scrub.get("userProperties").has("email"));
            }, (fake, vendor, ids) -> {
                for (String id : ids) {
                    List<LoggedRequest> sent = vendor.upserts(fake, id);
                    assertTrue(!sent.isEmpty(), "Ours is scrubbed by an upsert of nulls: " + id);
                    // The upserts queued while paused are cancelled by the erasure: only scrubs reach Ours.
                    sent.forEach(r -> Api.json(r.getBodyAsString()).get("userProperties").fields().forEachRemaining(f ->
                            assertTrue(f.getValue().isNull(), "an upsert to Ours of erased " + id + ": " + f.getKey())));
                }
            }));

    public static final Vendor VERO = new Vendor("vero", "/vero", Map.of(),
            (fake, token) -> {
                for (String call : List.of("/vero/users/track", "/vero/users/delete")) {
                    fake.stubFor(post(urlPathEqualTo(call)).withQueryParam("auth_token", equalTo(token))
                            .willReturn(aResponse().withStatus(200).withBody("{\"status\":200,\"message\":\"Success.\"}")));
                }
            },
            "/users/track", VendorFakes::replayVero, VendorFakes::expectedVero, (stored, traits) -> stored,
            new Erasure("erased", null, (fake, vendor, id, email, token) -> {
                List<LoggedRequest> deletes = vendor.received(fake, "/users/delete");
                assertEquals(1, deletes.size(), "Vero deletes: " + deletes.size());
                assertEquals(Api.json("{\"id\":\"" + id + "\"}"), Api.json(deletes.get(0).getBodyAsString()));
            }, (fake, vendor, ids) -> {
                for (String id : ids) {
                    assertEquals(List.of(), vendor.upserts(fake, id), "no upsert to Vero after the erasure");
                    assertEquals(1, vendor.received(fake, "/users/delete").stream()
                            .filter(r -> r.getBodyAsString().contains(id)).count());
                }
            }));

    public static final Vendor THRIVESTACK = new Vendor("thrivestack", "/thrive", Map.of(),
            (fake, token) -> fake.stubFor(post(urlEqualTo("/thrive/identify"))
                    .withHeader("Authorization", equalTo("Bearer " + token))
                    .willReturn(aResponse().withStatus(200).withBody("{\"success\":true}"))),
            "/identify",
            received -> replay(received, VendorFakes::list, "user_id", "traits", false),
            VendorFakes::expectedThrivestack, (stored, traits) -> stored,
            new Erasure("unsupported", "by hand", (fake, vendor, id, email, token) ->
                    assertEquals(1, vendor.upserts(fake, id).size(), "nothing is sent to Thrivestack for an erasure"),
                    (fake, vendor, ids) -> ids.forEach(id ->
                            assertEquals(List.of(), vendor.upserts(fake, id), "nothing of an erased user"))));

    public static final Vendor MARKETAP = new Vendor("marketap", "/mkt", Map.of("project-id", "p1"),
            (fake, token) -> {
                for (String call : List.of("/mkt/v1/api/profile/user", "/mkt/v1/api/profile/user/deletion-job",
                        "/mkt/v1/api/profile/user/deletion-job/bulk")) {
                    fake.stubFor(post(urlEqualTo(call + "?project_id=p1"))
                            .withHeader("Authorization", equalTo("Bearer " + token))
                            .willReturn(aResponse().withStatus(202)));
                }
            },
            "/v1/api/profile/user?",
            received -> replay(received, body -> list(body.path("profiles")), "user_id", "properties", false),
            VendorFakes::expectedMarketap, (stored, traits) -> stored,
            new Erasure("erased", null, (fake, vendor, id, email, token) -> {
                List<LoggedRequest> jobs = vendor.received(fake, "/v1/api/profile/user/deletion-job?");
                assertEquals(1, jobs.size(), "Marketap deletion jobs: " + jobs.size());
                assertEquals(Api.json("{\"user_id\":\"" + id + "\"}"), Api.json(jobs.get(0).getBodyAsString()));
            }, (fake, vendor, ids) -> {
                // Users erased together go in one bulk deletion job.
                List<LoggedRequest> bulk = vendor.received(fake, "/v1/api/profile/user/deletion-job/bulk?");
                assertEquals(1, bulk.size(), "Marketap bulk jobs: " + bulk.size());
                List<String> erased = new ArrayList<>();
                Api.json(bulk.get(0).getBodyAsString()).get("user_ids").forEach(u -> erased.add(u.asText()));
                assertEquals(ids.stream().sorted().toList(), erased.stream().sorted().toList());
                ids.forEach(id -> assertEquals(List.of(), vendor.upserts(fake, id), "no upsert after the erasure"));
            }));

    /** Every vendor connector: the end-to-end and erasure tests run each of them. */
    public static final List<Vendor> ALL = List.of(OURS, VERO, THRIVESTACK, MARKETAP);

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

    /**
     * Ours's custom properties restricted to the keys ProfileHub has: Ours ignores a null custom property, so a
     * removed one stays there (its documented limit).
     */
    private static ObjectNode oursComparable(ObjectNode stored, JsonNode traits) {
        ObjectNode v = stored.deepCopy();
        ObjectNode custom = (ObjectNode) v.remove("custom_properties");
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

    /**
     * Replays the items sent: per user id, each field of {@code properties} set, null clears it. With
     * {@code oursCustom}, a null or empty member of custom_properties is ignored, as Ours documents.
     */
    private static Map<String, ObjectNode> replay(List<LoggedRequest> received, Function<JsonNode, List<JsonNode>> items,
                                                  String userIdField, String propertiesField, boolean oursCustom) {
        Map<String, ObjectNode> store = new HashMap<>();
        for (LoggedRequest r : received) {
            for (JsonNode item : items.apply(Api.json(r.getBodyAsString()))) {
                ObjectNode state = store.computeIfAbsent(item.get(userIdField).asText(),
                        k -> JsonNodeFactory.instance.objectNode());
                item.path(propertiesField).fields().forEachRemaining(e -> {
                    if (oursCustom && e.getKey().equals("custom_properties")) {
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

    private static Map<String, ObjectNode> replayVero(List<LoggedRequest> received) {
        Map<String, ObjectNode> store = new HashMap<>();
        for (LoggedRequest r : received) {
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

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }
}
