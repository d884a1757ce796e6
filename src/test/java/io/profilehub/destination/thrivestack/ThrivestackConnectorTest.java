package io.profilehub.destination.thrivestack;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorClient;
import io.profilehub.destination.VendorHttp;
import io.profilehub.destination.mapping.FieldMapping;
import io.profilehub.destination.mapping.ProfileChanges;
import io.profilehub.support.Api;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ThrivestackConnectorTest {
    /** Answers 400 to any request carrying the poisoned item, 200 otherwise, and remembers what it got. */
    private static final class FakeHttp implements VendorClient {
        final List<Integer> itemsPerRequest = new ArrayList<>();

        @Override
        public Duration timeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public VendorHttp.Answer post(URI uri, Map<String, String> headers, byte[] body) {
            String json = new String(body, StandardCharsets.UTF_8);
            itemsPerRequest.add(Api.json(json).size());
            return json.contains("poison")
                    ? new VendorHttp.Answer(400, "{\"success\":false}", Optional.empty())
                    : new VendorHttp.Answer(200, "{\"success\":true}", Optional.empty());
        }
    }

    private static Delivery created(String id, String email) {
        return new Delivery("ws", id, Delivery.UPSERT, (ObjectNode) Api.json(
                "{\"created\":true,\"occurredAt\":\"2025-01-01T00:00:00Z\",\"identifiers\":{\"email\":\"" + email
                        + "\"},\"traits\":{}}"));
    }

    @Test
    void aRefusedRequestAmongSeveralIsHalvedHereSinceTheEngineWouldNotBisectAMix() {
        FakeHttp http = new FakeHttp();
        DestinationSettings settings = new DestinationSettings("t", "thrivestack", URI.create("http://fake"), "tok",
                true, List.of(), 1, null, Duration.ofSeconds(1), null, Map.of());
        ThrivestackMapping mapping = new ThrivestackMapping(new FieldMapping(Map.of("email", "email"), Map.of()));
        // Room for two items per request: [a, poison] [b, c].
        ThrivestackConnector connector = new ThrivestackConnector(settings, http,
                new ProfileChanges((ws, ids) -> Map.of(), null), mapping, Map.of(), 300);

        List<Outcome> outcomes = connector.send(List.of(created("usr_a", "a@example.com"),
                created("usr_p", "poison@example.com"), created("usr_b", "b@example.com"),
                created("usr_c", "c@example.com")));

        assertEquals(List.of(Outcome.Kind.DELIVERED, Outcome.Kind.DEAD, Outcome.Kind.DELIVERED, Outcome.Kind.DELIVERED),
                outcomes.stream().map(Outcome::kind).toList());
        assertEquals(400, outcomes.get(1).status());
        assertEquals(List.of(2, 1, 1, 2), http.itemsPerRequest);
    }
}
