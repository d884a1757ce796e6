package io.profilehub.property;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.support.Api;
import io.profilehub.support.TestDatabase;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Search through the API against an in-memory filter over the same random profiles, across pages. */
class SearchPropertiesTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] FIRST = {"Ann", "Bob", "ann"};
    private static final String[] LAST = {"Lee", "Doe"};
    private static final Object[] AGES = {30, "30", 41, 42, new BigDecimal("42.0"), "forty"};
    private static final Object[] VIP = {true, false, "true"};
    private static final Map<String, JsonNode> PROFILES = new LinkedHashMap<>();
    private static final List<String> EMAILS = new ArrayList<>();
    private static ApplicationContext context;
    private static Api api;

    @BeforeContainer
    static void start() {
        String key = "phk_prop_" + UUID.randomUUID().toString().replace("-", "");
        Map<String, Object> props = new HashMap<>(TestDatabase.datasourceProperties());
        props.put("micronaut.server.port", "-1");
        props.put("profilehub.bootstrap.api-key", key);
        props.put("profilehub.bootstrap.workspace", "ws_prop_" + UUID.randomUUID().toString().substring(0, 8));
        context = ApplicationContext.run(EmbeddedServer.class, props).getApplicationContext();
        api = new Api(context.getBean(EmbeddedServer.class).getURI(), key);
        Random random = new Random(7);
        for (int i = 0; i < 80; i++) {
            ObjectNode identifiers = F.objectNode();
            String email = "user" + i + "@Example.com";
            identifiers.put("email", random.nextBoolean() ? email : " " + email.toUpperCase(Locale.ROOT));
            EMAILS.add(email);
            if (random.nextInt(4) > 0) {
                ObjectNode name = identifiers.putObject("name");
                name.put("first", FIRST[random.nextInt(FIRST.length)]);
                if (random.nextBoolean()) {
                    name.put("last", LAST[random.nextInt(LAST.length)]);
                }
            }
            if (random.nextBoolean()) {
                identifiers.set("age", node(AGES[random.nextInt(AGES.length)]));
            }
            if (random.nextBoolean()) {
                identifiers.set("vip", node(VIP[random.nextInt(VIP.length)]));
            }
            Api.Response r = api.post("/identify", "{\"identifiers\":" + identifiers + "}");
            assertEquals(201, r.status(), r.body());
            PROFILES.put(r.json().get("id").asText(), r.json().get("identifiers"));
        }
    }

    @AfterContainer
    static void stop() {
        context.close();
    }

    record Filter(String name, String value) {
    }

    @Property(tries = 120)
    void searchReturnsExactlyTheMatchingProfiles(@ForAll("queries") List<Filter> filters,
                                                 @ForAll("limits") int limit) {
        Set<String> expected = new TreeSet<>();
        PROFILES.forEach((id, identifiers) -> {
            if (filters.stream().allMatch(f -> matches(identifiers, f))) {
                expected.add(id);
            }
        });
        StringBuilder query = new StringBuilder("/identify?limit=" + limit);
        filters.forEach(f -> query.append('&').append(encode(f.name())).append('=').append(encode(f.value())));
        Set<String> found = new TreeSet<>();
        String next = query.toString();
        int pages = 0;
        while (next != null) {
            Api.Response r = api.get(next);
            assertEquals(200, r.status(), r.body());
            r.json().get("data").forEach(p -> assertEquals(true, found.add(p.get("id").asText()), "repeated " + p));
            JsonNode link = r.json().get("meta").get("nextPageUrl");
            next = link.isNull() ? null : link.asText();
            assertEquals(true, ++pages <= 100, "paging does not end");
        }
        assertEquals(expected, found, "filters " + filters);
    }

    @Provide
    Arbitrary<List<Filter>> queries() {
        Arbitrary<Filter> filter = Arbitraries.oneOf(
                Arbitraries.of(FIRST).map(v -> new Filter("name.first", v)),
                Arbitraries.of(LAST).map(v -> new Filter("name.last", v)),
                Arbitraries.of("30", "41", "42", "42.0", "forty", "4").map(v -> new Filter("age", v)),
                Arbitraries.of("true", "false").map(v -> new Filter("vip", v)),
                Arbitraries.of("Nobody").map(v -> new Filter("name.middle", v)),
                Combinators.combine(Arbitraries.integers().between(0, 79), Arbitraries.of(true, false))
                        .as((i, upper) -> new Filter("email", upper ? EMAILS.get(i).toUpperCase(Locale.ROOT) : " " + EMAILS.get(i))));
        return filter.list().ofMinSize(0).ofMaxSize(3).uniqueElements(Filter::name);
    }

    @Provide
    Arbitrary<Integer> limits() {
        return Arbitraries.integers().between(1, 30);
    }

    /** The documented rule: a string equal to the value, or a number or boolean the value spells. */
    private static boolean matches(JsonNode identifiers, Filter filter) {
        JsonNode node = identifiers;
        for (String segment : filter.name().split("\\.")) {
            node = node == null ? null : node.get(segment);
        }
        if (node == null) {
            return false;
        }
        if (filter.name().equals("email")) {
            return node.asText().trim().toLowerCase(Locale.ROOT).equals(filter.value().trim().toLowerCase(Locale.ROOT));
        }
        if (node.isTextual()) {
            return node.textValue().equals(filter.value());
        }
        if (node.isNumber()) {
            try {
                return node.decimalValue().compareTo(new BigDecimal(filter.value())) == 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return node.isBoolean() && String.valueOf(node.booleanValue()).equals(filter.value());
    }

    private static JsonNode node(Object value) {
        if (value instanceof Integer i) {
            return F.numberNode(i);
        }
        if (value instanceof BigDecimal d) {
            return F.numberNode(d);
        }
        if (value instanceof Boolean b) {
            return F.booleanNode(b);
        }
        return F.textNode(value.toString());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
