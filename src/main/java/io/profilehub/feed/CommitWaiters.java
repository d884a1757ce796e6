package io.profilehub.feed;

import io.profilehub.outbox.OutboxSignal;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Readers of the feed waiting for a workspace's next commit. Woken by OutboxSignal, which writers call after their
 * transaction commits, so a waiting reader holds neither a thread nor a database connection, only a future here.
 */
@Singleton
class CommitWaiters {
    private final Map<String, Set<CompletableFuture<Void>>> waiting = new ConcurrentHashMap<>();

    CommitWaiters(OutboxSignal signal) {
        signal.onCommit(this::committed);
    }

    /**
     * A future completed by the workspace's next commit. Taken before the reader looks, so a commit that its look
     * missed still wakes it.
     */
    CompletableFuture<Void> next(String workspaceId) {
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        // Added inside compute: atomic with committed()'s remove, so a waiter never joins a set already woken.
        waiting.compute(workspaceId, (w, set) -> {
            Set<CompletableFuture<Void>> waiters = set == null ? ConcurrentHashMap.newKeySet() : set;
            waiters.add(waiter);
            return waiters;
        });
        return waiter;
    }

    /** The reader stopped waiting (it found changes, or its wait ended): nothing keeps its future. */
    void forget(String workspaceId, CompletableFuture<Void> waiter) {
        waiting.computeIfPresent(workspaceId, (w, set) -> {
            set.remove(waiter);
            return set.isEmpty() ? null : set;
        });
    }

    private void committed(String workspaceId) {
        Set<CompletableFuture<Void>> woken = waiting.remove(workspaceId);
        if (woken != null) {
            woken.forEach(waiter -> waiter.complete(null));
        }
    }

    /** How many readers wait on the workspace now (tests, to know a long poll is under way). */
    int waiting(String workspaceId) {
        Set<CompletableFuture<Void>> waiters = waiting.get(workspaceId);
        return waiters == null ? 0 : waiters.size();
    }
}
