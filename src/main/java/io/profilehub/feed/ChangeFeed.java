package io.profilehub.feed;

import io.micronaut.context.annotation.Value;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.TaskScheduler;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;

/**
 * A workspace's changes after a position, as the webhook would send them, each with the cursor that resumes after
 * it; and the long poll: with nothing new, the reader waits for the workspace's next commit, holding no connection.
 */
@Singleton
class ChangeFeed {

    /**
     * A page: the changes as a JSON array (each written once, cursor included), how many, and the position after
     * the last of them (the one given when there are none).
     */
    record Changes(String json, int count, FeedPosition next) {
    }

    private final TransactionOperations<Connection> tx;
    private final FeedRepository repository;
    private final FeedCursors cursors;
    private final CommitWaiters waiters;
    private final ExecutorService blocking;
    private final TaskScheduler timer;

    /*
     * The server closes a connection that has carried nothing for micronaut.server.idle-timeout (30 s), a request in
     * flight included: a 30 s wait would be cut off with no answer at all. The wait ends this much before it.
     */
    private static final Duration BEFORE_IDLE_TIMEOUT = Duration.ofSeconds(2);
    private final Duration longestWait;

    ChangeFeed(TransactionOperations<Connection> tx, FeedRepository repository, FeedCursors cursors,
               CommitWaiters waiters, @Value("${micronaut.server.idle-timeout:30s}") Duration idleTimeout,
               @Named(TaskExecutors.BLOCKING) ExecutorService blocking, TaskScheduler timer) {
        this.tx = tx;
        this.repository = repository;
        this.cursors = cursors;
        this.waiters = waiters;
        this.blocking = blocking;
        this.timer = timer;
        this.longestWait = idleTimeout.isNegative() || idleTimeout.isZero() ? Duration.ofDays(1)
                : idleTimeout.minus(BEFORE_IDLE_TIMEOUT);
    }

    /**
     * The changes after {@code from}; when there are none, the first that commit within {@code wait}, cut to end 2 s
     * before the server's idle timeout (an empty page when none does). Each look is a short transaction of its own.
     */
    CompletableFuture<Changes> poll(String workspaceId, FeedPosition from, int limit, Duration wait) {
        Duration waited = wait.compareTo(longestWait) > 0 ? longestWait : wait;
        return poll(workspaceId, from, limit, System.nanoTime() + Math.max(0, waited.toNanos()));
    }

    private CompletableFuture<Changes> poll(String workspaceId, FeedPosition from, int limit, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return CompletableFuture.completedFuture(read(workspaceId, from, limit));
        }
        CompletableFuture<Void> commit = waiters.next(workspaceId);
        Changes changes;
        try {
            changes = read(workspaceId, from, limit);
        } catch (RuntimeException e) {
            waiters.forget(workspaceId, commit);
            throw e;
        }
        if (changes.count() > 0) {
            waiters.forget(workspaceId, commit);
            return CompletableFuture.completedFuture(changes);
        }
        ScheduledFuture<?> end = timer.schedule(Duration.ofNanos(left), () -> commit.complete(null));
        // A commit may bring only changes the feed leaves out (a backfill's, say): then look again and wait on.
        return commit.thenComposeAsync(woken -> {
            end.cancel(false);
            waiters.forget(workspaceId, commit);
            return poll(workspaceId, from, limit, deadline);
        }, blocking);
    }

    Changes read(String workspaceId, FeedPosition from, int limit) {
        List<FeedRepository.Row> rows = tx.executeRead(status ->
                repository.after(status.getConnection(), workspaceId, from, limit));
        StringJoiner items = new StringJoiner(",", "[", "]");
        FeedPosition position = from;
        for (FeedRepository.Row row : rows) {
            position = position.after(row.lane(), row.id());
            // The document is a JSON object from PostgreSQL; a cursor is base64url and '.', nothing to escape.
            String event = row.event();
            items.add(event.substring(0, event.lastIndexOf('}')) + ", \"cursor\": \""
                    + cursors.issue(workspaceId, position) + "\"}");
        }
        return new Changes(items.toString(), rows.size(), position);
    }

    String cursor(String workspaceId, FeedPosition position) {
        return cursors.issue(workspaceId, position);
    }

    FeedPosition position(String cursor, String workspaceId) {
        return cursors.read(cursor, workspaceId);
    }
}
