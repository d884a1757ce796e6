package io.profilehub.http;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A statement cut off by statement_timeout is answered 503 with Retry-After (issue 19, item 3), even when the request
 * has run longer than micronaut.server.idle-timeout: Micronaut closed such a connection while its request ran, so
 * the client got no answer at all. A trigger of this class's workspace only makes its updates slow.
 */
@MicronautTest(transactional = false)
class StatementTimeoutAnswerTest extends ServiceTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("profilehub.database.statement-timeout", "3s", "micronaut.server.idle-timeout", "1s",
                "profilehub.outbox.enabled", "false");
    }

    private static void sql(String statement) {
        try (Connection c = TestDatabase.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aStatementTimeoutIsA503WithRetryAfterNotAClosedConnection() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"slow@example.com\"}}").json().get("id").asText();
        String function = "profilehub.slow_" + workspace.replace("-", "_");
        sql("create function " + function + "() returns trigger language plpgsql as $$ begin "
                + "if new.workspace_id = '" + workspace + "' then perform pg_sleep(10); end if; return new; end $$");
        sql("create trigger slow_" + workspace.replace("-", "_") + " before update on "
                + "profilehub.profiles for each row execute function " + function + "()");
        try {
            Api.Response r = api().post("/identify/" + id, "{\"traits\":{\"plan\":\"pro\"}}");
            assertProblem(r, 503, "statement timeout");
            assertNotNull(r.header("Retry-After"), "503 without Retry-After");
        } finally {
            sql("drop function " + function + "() cascade");
        }
        assertEquals(1, api().get("/identify/" + id).json().get("version").asInt(), "nothing was written");
    }
}
