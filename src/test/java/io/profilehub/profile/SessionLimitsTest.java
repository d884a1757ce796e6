package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Session limits of the pool's connections, and batches of many changes to one profile. */
@MicronautTest(transactional = false)
class SessionLimitsTest extends ServiceTest {

    @Inject
    TransactionOperations<Connection> tx;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of(
                "profilehub.database.statement-timeout", "7s",
                "profilehub.database.lock-timeout", "1s",
                "profilehub.database.idle-in-transaction-timeout", "9s",
                "profilehub.outbox.enabled", "false",
                "profilehub.destinations.hook.type", "webhook",
                "profilehub.destinations.hook.url", "http://127.0.0.1:9/hook",
                "profilehub.destinations.hook.token", "t");
    }

    @Test
    void everyServiceSessionHasTheConfiguredTimeouts() {
        assertEquals(List.of("7s", "1s", "9s"), tx.executeRead(s -> {
            List<String> values = new ArrayList<>();
            for (String name : List.of("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")) {
                try (Statement st = s.getConnection().createStatement(); ResultSet rs = st.executeQuery("show " + name)) {
                    rs.next();
                    values.add(rs.getString(1));
                }
            }
            return values;
        }));
    }

    @Test
    void aLockHeldBeyondTheLockTimeoutAnswers503() throws Exception {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"locked@example.com\"}}").json().get("id").asText();
        Map<String, String> db = TestDatabase.datasourceProperties();
        try (Connection holder = DriverManager.getConnection(db.get("datasources.default.url"),
                db.get("datasources.default.username"), db.get("datasources.default.password"))) {
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement(
                    "select 1 from profilehub.profiles where workspace_id = ? and id = ? for update")) {
                ps.setString(1, workspace);
                ps.setString(2, id);
                ps.executeQuery().close();
            }
            Api.Response r = api().post("/track/" + id, "{\"traits\":{\"plan\":\"pro\"}}");
            assertProblem(r, 503, "lock timeout", "nothing was written");
            assertNotNull(r.header("Retry-After"), "503 without Retry-After");
            holder.rollback();
        }
        JsonNode p = api().get("/identify/" + id).json();
        assertEquals(1, p.get("version").asInt());
        assertEquals(200, api().post("/track/" + id, "{\"traits\":{\"plan\":\"pro\"}}").status(), "retry succeeds");
    }

    /**
     * 1,000 updates of one profile, mixing new keys, nested objects, removals and overwrites, end where the same
     * patches applied in turn by an independent model end. (Before composition this took minutes.)
     */
    @Test
    void aThousandUpdatesOfOneProfileEndInTheRightState() {
        String id = api().post("/identify", "{\"identifiers\":{\"externalId\":\"many-1\"},\"traits\":{\"start\":true}}")
                .json().get("id").asText();
        Random random = new Random(42);
        ObjectNode expected = (ObjectNode) Api.json("{\"start\":true}");
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ObjectNode patch = (ObjectNode) Api.json("{}");
            patch.put("counter", i);
            patch.put("k" + (i % 50), "v" + i + "-" + "x".repeat(random.nextInt(40)));
            if (i % 7 == 0) {
                patch.putNull("k" + random.nextInt(50));
            }
            if (i % 11 == 0) {
                patch.set("nested", Api.json("{\"a\":" + i + ",\"b\":{\"c\":" + (i % 3 == 0 ? "null" : i) + "}}"));
            }
            if (i % 13 == 0) {
                patch.put("nested", "flat-" + i); // a scalar replacing the object: the next object patch restarts it
            }
            if (i % 97 == 0) {
                patch.putNull("start");
            }
            String item = i % 2 == 0
                    ? "{\"id\":\"" + id + "\",\"traits\":" + patch + "}"
                    : "{\"identifiers\":{\"externalId\":\"many-1\"},\"traits\":" + patch + "}";
            items.add(item);
            expected = (ObjectNode) applyMergePatch(expected, patch);
        }
        Api.Response r = api().post("/identify/batch", "[" + String.join(",", items) + "]");
        assertEquals(200, r.status(), r.body());
        for (JsonNode result : r.json().get("results")) {
            assertEquals(200, result.get("status").asInt(), result.toString());
            assertEquals(id, result.get("id").asText());
        }
        assertEquals(expected, api().get("/identify/" + id).json().get("traits"));
    }

    /** RFC 7396, section 2, written out independently of the service. */
    static JsonNode applyMergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : (ObjectNode) Api.json("{}");
        patch.fields().forEachRemaining(f -> {
            if (f.getValue().isNull()) {
                result.remove(f.getKey());
            } else {
                result.set(f.getKey(), applyMergePatch(result.get(f.getKey()), f.getValue()));
            }
        });
        return result;
    }
}
