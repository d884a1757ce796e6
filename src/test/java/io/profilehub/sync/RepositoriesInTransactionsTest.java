package io.profilehub.sync;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.outbox.DestinationStateRepository;
import io.profilehub.support.ServiceTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Micronaut Data repositories run inside the services' {@code TransactionOperations<Connection>} transactions:
 * on the same connection as the hand-written JDBC beside them, committed and rolled back with them.
 */
@MicronautTest(transactional = false)
class RepositoriesInTransactionsTest extends ServiceTest {
    @Inject
    TransactionOperations<Connection> tx;
    @Inject
    BackfillJobRepository jobs;
    @Inject
    DestinationStateRepository states;
    @Inject
    SyncRepository sync;

    @Test
    void aRepositoryWriteRollsBackWithTheTransactionItRanIn() {
        String id = jobId();
        String destination = "rollback_" + UUID.randomUUID().toString().substring(0, 8);
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> tx.executeWrite(status -> {
            jobs.insert(workspace, id, "hook");
            states.setPaused(status.getConnection(), destination, true, "paused by a test");
            // The same transaction's plain JDBC sees both rows before the rollback.
            assertEquals("running", value(status.getConnection(),
                    "select status from profilehub.backfill_jobs where workspace_id = ? and id = ?", workspace, id));
            assertEquals("true", value(status.getConnection(),
                    "select paused::text from profilehub.destination_state where name = ?", destination));
            throw new IllegalStateException("roll back");
        }));
        assertEquals("roll back", thrown.getMessage());
        assertTrue(tx.executeRead(status -> jobs.findByWorkspaceIdAndId(workspace, id)).isEmpty());
        assertEquals(DestinationStateRepository.State.NONE,
                tx.executeRead(status -> states.read(status.getConnection(), destination)));
    }

    @Test
    void aRepositoryReadSeesTheTransactionsOwnJdbcWrites() {
        String id = jobId();
        assertThrows(IllegalStateException.class, () -> tx.executeWrite(status -> {
            try (PreparedStatement ps = status.getConnection().prepareStatement(
                    "insert into profilehub.backfill_jobs (workspace_id, id, destination) values (?, ?, 'hook')")) {
                ps.setString(1, workspace);
                ps.setString(2, id);
                ps.executeUpdate();
            }
            assertEquals(BackfillStatus.RUNNING, jobs.findByWorkspaceIdAndId(workspace, id).orElseThrow().status());
            throw new IllegalStateException("roll back");
        }));
        assertTrue(tx.executeRead(status -> jobs.findByWorkspaceIdAndId(workspace, id)).isEmpty());
    }

    @Test
    void oneJobRunsPerDestinationAndWorkspaceAndAStalledOneIsEnded() {
        String first = jobId();
        String second = jobId();
        tx.executeWrite(status -> jobs.insert(workspace, first, "one-at-a-time"));
        RuntimeException refused = assertThrows(RuntimeException.class,
                () -> tx.executeWrite(status -> jobs.insert(workspace, second, "one-at-a-time")));
        assertTrue(String.valueOf(refused.getCause()).contains("backfill_jobs_one_running"), refused.toString());
        assertEquals(first, tx.executeRead(status -> jobs.running(workspace, "one-at-a-time")).orElseThrow().id());
        assertEquals(0, (int) tx.executeWrite(status -> jobs.endStale(workspace, "one-at-a-time", 300)),
                "a job that made progress within 5 minutes runs on");
        // No progress since before now: ended as stalled, and the next one may start.
        assertEquals(1, (int) tx.executeWrite(status -> jobs.endStale(workspace, "one-at-a-time", 0)));
        BackfillJob ended = tx.executeRead(status -> jobs.findByWorkspaceIdAndId(workspace, first)).orElseThrow();
        assertEquals(BackfillStatus.FAILED, ended.status());
        assertTrue(ended.error().contains("no progress"), ended.error());
        assertEquals(second, tx.executeWrite(status -> jobs.insert(workspace, second, "one-at-a-time")).id());
    }

    @Test
    void aFinishedJobIsStoredWithItsLowerCaseWordAndFinishingTime() {
        String id = jobId();
        BackfillJob inserted = tx.executeWrite(status -> jobs.insert(workspace, id, "hook"));
        assertEquals(BackfillStatus.RUNNING, inserted.status());
        assertNotNull(inserted.startedAt());
        assertNull(inserted.finishedAt());
        assertEquals(1, (int) tx.executeWrite(status -> jobs.update(workspace, id, BackfillStatus.RUNNING, 5,
                "usr_5", null)));
        assertNull(tx.executeRead(status -> jobs.findByWorkspaceIdAndId(workspace, id)).orElseThrow().finishedAt());
        tx.executeWrite(status -> jobs.update(workspace, id, BackfillStatus.FAILED, 7, "usr_7", "stopped"));
        BackfillJob failed = tx.executeRead(status -> jobs.findByWorkspaceIdAndId(workspace, id)).orElseThrow();
        assertEquals(BackfillStatus.FAILED, failed.status());
        assertEquals(7, failed.enqueued());
        assertEquals("usr_7", failed.lastProfileId());
        assertEquals("stopped", failed.error());
        assertNotNull(failed.finishedAt());
        assertEquals("failed", tx.executeRead(status -> value(status.getConnection(),
                "select status from profilehub.backfill_jobs where workspace_id = ? and id = ?", workspace, id)));
        assertTrue(tx.executeRead(status -> jobs.findByWorkspaceIdAndId("ws_other", id)).isEmpty(),
                "another workspace does not see the job");
    }

    @Test
    void pauseStateAndEachWorkspacesLastErrorAreKeptApart() {
        String destination = "state_" + UUID.randomUUID().toString().substring(0, 8);
        String a = "ws_a_" + destination;
        String b = "ws_b_" + destination;
        try {
            tx.executeWrite(status -> {
                states.setPaused(status.getConnection(), destination, true, "paused by a test");
                states.setLastErrors(status.getConnection(), destination,
                        Map.of(a, "HTTP 500 from the vendor; retrying", b, "timed out; retrying"));
                return null;
            });
            DestinationStateRepository.State paused = tx.executeRead(s -> states.read(s.getConnection(), destination));
            assertTrue(paused.paused());
            assertEquals("paused by a test", paused.pausedReason());
            assertNotNull(paused.pausedAt());
            assertEquals(paused, tx.executeRead(s -> states.readAll(s.getConnection())).get(destination));

            assertEquals("HTTP 500 from the vendor; retrying",
                    tx.executeRead(s -> states.lastErrors(s.getConnection(), a)).get(destination).error());
            var all = tx.executeRead(s -> states.allLastErrors(s.getConnection(), null)).get(destination);
            assertEquals(2, all.size(), all.toString());
            assertEquals("timed out; retrying", all.get(b).error());
            assertNotNull(all.get(b).at());
            assertEquals(Map.of(a, all.get(a)),
                    tx.executeRead(s -> states.allLastErrors(s.getConnection(), a)).get(destination));

            tx.executeWrite(status -> {
                states.setPaused(status.getConnection(), destination, false, "not kept when resuming");
                return null;
            });
            assertEquals(new DestinationStateRepository.State(false, null, null),
                    tx.executeRead(s -> states.read(s.getConnection(), destination)));
        } finally {
            tx.executeWrite(status -> {
                try (PreparedStatement ps = status.getConnection().prepareStatement(
                        "delete from profilehub.destination_workspace_state where destination = ?")) {
                    ps.setString(1, destination);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = status.getConnection().prepareStatement(
                        "delete from profilehub.destination_state where name = ?")) {
                    ps.setString(1, destination);
                    ps.executeUpdate();
                }
                return null;
            });
        }
    }

    @Test
    void deadLetterFiltersBindEachValueOnceAndCompareTimesExactly() {
        Instant deadAt = Instant.parse("2026-03-01T10:00:00.123Z");
        assertThrows(IllegalStateException.class, () -> tx.executeWrite(status -> {
            Connection c = status.getConnection();
            long id = deadLetter(c, workspace, "usr_f1", "delete", 422, deadAt);
            deadLetter(c, workspace, "usr_f2", "delete", 500, deadAt.plusSeconds(60));
            deadLetter(c, "ws_other", "usr_f1", "delete", 422, deadAt);
            SyncRepository.DeadLetterFilter exact = new SyncRepository.DeadLetterFilter("hook", 422, deadAt,
                    deadAt.plusMillis(1));
            List<SyncRepository.EventView> found = sync.deadLetters(c, workspace, exact, null, 0, 10);
            assertEquals(List.of(id), found.stream().map(SyncRepository.EventView::id).toList());
            assertEquals("dead", found.get(0).status());
            assertEquals(deadAt, found.get(0).finishedAt());
            assertEquals(List.of(), sync.deadLetters(c, workspace,
                    new SyncRepository.DeadLetterFilter("hook", 422, deadAt.plusMillis(1), null), null, 0, 10));
            assertEquals(List.of(), sync.deadLetters(c, workspace,
                    new SyncRepository.DeadLetterFilter("hook", 422, null, deadAt), null, 0, 10));
            assertEquals(List.of(), sync.deadLetters(c, workspace,
                    new SyncRepository.DeadLetterFilter("other", null, null, null), null, 0, 10));
            assertEquals(2, sync.deadLetters(c, workspace,
                    new SyncRepository.DeadLetterFilter(null, null, null, null), null, 0, 10).size());
            assertEquals(1, sync.deadLetters(c, workspace,
                    new SyncRepository.DeadLetterFilter(null, null, null, null), null, id, 10).size(), "after the id");
            throw new IllegalStateException("roll back");
        }));
    }

    @Test
    void retryingADeadErasureReopensItInTheRetryingWorkspaceOnly() {
        assertThrows(IllegalStateException.class, () -> tx.executeWrite(status -> {
            Connection c = status.getConnection();
            for (String ws : List.of(workspace, "ws_other")) {
                execute(c, "insert into profilehub.erasures (workspace_id, user_id, status, completed_at) "
                        + "values (?, 'usr_gone', 'completed', now())", ws);
                execute(c, "insert into profilehub.erasure_destinations (workspace_id, user_id, destination, status) "
                        + "values (?, 'usr_gone', 'hook', 'dead')", ws);
                deadLetter(c, ws, "usr_gone", "delete", 400, Instant.now());
            }
            List<SyncRepository.Retried> retried = sync.retryDead(c, workspace, null,
                    new SyncRepository.DeadLetterFilter("hook", null, null, null));
            assertEquals(1, retried.size());
            assertEquals(io.profilehub.destination.ChangeKind.DELETE, retried.get(0).change().kind());
            assertEquals(7L, retried.get(0).change().version());
            assertEquals("pending", value(c, "select status from profilehub.erasure_destinations "
                    + "where workspace_id = ? and user_id = 'usr_gone'", workspace));
            assertEquals("in_progress", value(c, "select status || coalesce(completed_at::text, '') "
                    + "from profilehub.erasures where workspace_id = ? and user_id = 'usr_gone'", workspace));
            assertEquals("0", value(c, "select count(*) from profilehub.dead_letters where workspace_id = ?",
                    workspace));
            assertEquals("dead", value(c, "select status from profilehub.erasure_destinations "
                    + "where workspace_id = ? and user_id = 'usr_gone'", "ws_other"));
            assertEquals("completed", value(c, "select status from profilehub.erasures "
                    + "where workspace_id = ? and user_id = 'usr_gone'", "ws_other"));
            throw new IllegalStateException("roll back");
        }));
    }

    private static long deadLetter(Connection c, String workspaceId, String profileId, String kind, int lastStatus,
                                   Instant deadAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                insert into profilehub.dead_letters (workspace_id, destination, profile_id, kind, first_version, version,
                                                     event, attempts, last_status, created_at, dead_at)
                values (?, 'hook', ?, ?, 7, 7, '{"type": "profile.delete"}', 1, ?, ?, ?)
                returning id
                """)) {
            ps.setString(1, workspaceId);
            ps.setString(2, profileId);
            ps.setString(3, kind);
            ps.setInt(4, lastStatus);
            ps.setObject(5, deadAt.atOffset(ZoneOffset.UTC));
            ps.setObject(6, deadAt.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void execute(Connection c, String sql, String workspaceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, workspaceId);
            ps.executeUpdate();
        }
    }

    private static String jobId() {
        return "bf_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    private static String value(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
