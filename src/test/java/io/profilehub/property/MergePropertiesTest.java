package io.profilehub.property;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.context.ApplicationContext;
import io.profilehub.support.TestDatabase;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The merge runs in PostgreSQL (jsonb_merge_patch); these properties hold it to an independent in-memory RFC 7396
 * model, and check the change a diff reports and the composition of queued patches against plain replay.
 */
class MergePropertiesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static ApplicationContext migrated;
    private static Connection connection;

    @BeforeContainer
    static void migrate() throws Exception {
        // Starting the service once runs the Flyway migrations that define the SQL functions under test.
        Map<String, Object> props = new HashMap<>(TestDatabase.datasourceProperties());
        props.put("micronaut.server.port", "-1");
        props.put("profilehub.outbox.enabled", "false");
        migrated = ApplicationContext.run(props);
        connection = TestDatabase.connect();
        connection.createStatement().execute("set search_path = profilehub");
    }

    @AfterContainer
    static void close() throws Exception {
        connection.close();
        migrated.close();
    }

    @Property(tries = 300)
    void databaseMergeMatchesTheRfcModel(@ForAll("targets") ObjectNode target, @ForAll("patches") ObjectNode patch)
            throws Exception {
        assertEquals(JsonModel.mergePatch(target, patch), sql("select jsonb_merge_patch(?::jsonb, ?::jsonb)", target, patch));
    }

    @Property(tries = 300)
    void diffIsThePatchThatTurnsOldIntoNew(@ForAll("targets") ObjectNode before, @ForAll("targets") ObjectNode after)
            throws Exception {
        JsonNode diff = sql("select jsonb_merge_diff(?::jsonb, ?::jsonb)", before, after);
        assertEquals(after, JsonModel.mergePatch(before, diff));
    }

    @Property(tries = 500)
    void composedPatchesEqualApplyingThemInTurn(@ForAll("targets") ObjectNode target,
                                                @ForAll("patches") ObjectNode first,
                                                @ForAll("patches") ObjectNode second) {
        ObjectNode composed = first.deepCopy();
        if (io.profilehub.outbox.DeliveryPlanAccess.compose(composed, second)) {
            assertEquals(JsonModel.mergePatch(JsonModel.mergePatch(target, first), second),
                    JsonModel.mergePatch(target, composed));
        }
    }

    @Provide
    Arbitrary<ObjectNode> targets() {
        return JsonModel.object(3, false);
    }

    @Provide
    Arbitrary<ObjectNode> patches() {
        return JsonModel.object(3, true);
    }

    private static JsonNode sql(String query, JsonNode a, JsonNode b) throws Exception {
        try (PreparedStatement ps = connection.prepareStatement(query)) {
            ps.setString(1, a.toString());
            ps.setString(2, b.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return MAPPER.readTree(rs.getString(1));
            }
        }
    }
}
