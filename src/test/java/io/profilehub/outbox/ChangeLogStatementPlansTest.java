package io.profilehub.outbox;

import io.profilehub.support.GenericPlans;
import io.profilehub.support.UnanalysedDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The change log's hot statements (append, lease, read, parked reads, settle) keep index access in the generic plan
 * a pooled connection makes on tables without statistics: a lane is read by number, a profile by its key, never a
 * whole workspace's or destination's rows. delivery_cursors and change_lanes are left out: 64 rows per destination.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChangeLogStatementPlansTest {
    private static final Set<String> TABLES = Set.of("change_log", "delivery_parked", "dead_letters",
            "delivery_failures");
    private static final Set<String> SHARED = Set.of("workspace_id", "destination");
    private static final Map<String, String> STATEMENTS = Map.of(
            "APPEND", ChangeLogWriter.APPEND,
            "LEASE", DeliveryRepository.LEASE,
            "READ", DeliveryRepository.READ,
            "PARKED_DUE", DeliveryRepository.PARKED_DUE,
            "PARKED_AMONG", DeliveryRepository.PARKED_AMONG,
            "PARKED_CHANGES", DeliveryRepository.PARKED_CHANGES,
            "ADVANCE", DeliveryRepository.ADVANCE);

    private UnanalysedDatabase db;

    @BeforeAll
    void database() throws Exception {
        db = UnanalysedDatabase.create("changelog_plans");
    }

    @TestFactory
    Stream<DynamicTest> useIndexesOnTablesWithoutStatistics() {
        return Stream.of(
                dynamicTest("empty tables", () -> everyStatementUsesIndexes("empty")),
                dynamicTest("200,000 changes of one workspace, not analysed", () -> {
                    db.seed("ws_filled", 20_000);
                    everyStatementUsesIndexes("filled");
                }));
    }

    private void everyStatementUsesIndexes(String tables) throws Exception {
        try (Connection c = db.connect()) {
            assertEquals("", GenericPlans.unboundedIn(c, STATEMENTS, TABLES, SHARED),
                    "generic plans on " + tables + ", never-analysed tables");
        }
    }
}
