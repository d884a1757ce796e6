package io.profilehub.profile;

import io.profilehub.support.GenericPlans;
import io.profilehub.support.UnanalysedDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.sql.Connection;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Every identify write runs its statements with the generic plan (ProfileBatchService forces it, and a pooled
 * connection makes one after five runs anyway), made once per connection, possibly while the tables had no
 * statistics. Such a plan must look rows up by their key, not read every key or profile of the workspace and join:
 * that plan cost 2 ms per create at 20,000 keys and grew with the workspace until an ANALYZE replaced it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdentifyStatementPlansTest {
    private static final Set<String> TABLES = Set.of("identity_keys", "profiles", "change_log");
    // Columns every row of a workspace shares: a scan bounded only by them reads the whole workspace.
    private static final Set<String> SHARED = Set.of("workspace_id");
    private static final Map<String, String> STATEMENTS = Map.of(
            "RESOLVE", ProfileBatchRepository.RESOLVE,
            "CREATE_MANY", ProfileBatchRepository.CREATE_MANY,
            "MERGE_MANY", ProfileBatchRepository.MERGE_MANY);

    private UnanalysedDatabase db;

    @BeforeAll
    void database() throws Exception {
        db = UnanalysedDatabase.create("identify_plans");
    }

    @TestFactory
    Stream<DynamicTest> useTheKeysOnTablesWithoutStatistics() {
        return Stream.of(
                dynamicTest("empty tables", () -> everyStatementUsesKeys("empty")),
                dynamicTest("20,000 profiles of one workspace, not analysed", () -> {
                    db.seed("ws_filled", 20_000);
                    everyStatementUsesKeys("filled");
                }));
    }

    private void everyStatementUsesKeys(String tables) throws Exception {
        try (Connection c = db.connect()) {
            assertEquals("", GenericPlans.unboundedIn(c, STATEMENTS, TABLES, SHARED),
                    "generic plans on " + tables + ", never-analysed tables");
        }
    }
}
