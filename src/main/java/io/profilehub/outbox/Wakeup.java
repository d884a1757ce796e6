package io.profilehub.outbox;

import java.time.Duration;

/**
 * Lets idle workers sleep until there is work. {@link #signal} wakes one worker (new changes: one worker looks, and
 * wakes the next if it finds more than one round of work); {@link #signalAll} wakes every worker (a pause, a
 * resume, shutdown). A worker that wakes takes every signal given meanwhile, so a burst of commits costs one look.
 */
final class Wakeup {
    private long permits;
    private long broadcasts;

    synchronized void signal() {
        permits++;
        notify();
    }

    synchronized void signalAll() {
        broadcasts++;
        notifyAll();
    }

    /** Marks the broadcasts so far: an {@link #await(Duration, long)} after it returns at once on a later one. */
    synchronized long mark() {
        return broadcasts;
    }

    /** Returns true when woken by a signal, false when the timeout passed. */
    synchronized boolean await(Duration timeout) throws InterruptedException {
        return await(timeout, broadcasts);
    }

    /**
     * As {@link #await(Duration)}, counting broadcasts since {@code seen} (a {@link #mark()}): a state change
     * announced while the caller was still reading the old state is not missed.
     */
    synchronized boolean await(Duration timeout, long seen) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (permits == 0 && broadcasts == seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000), 0);
        }
        if (broadcasts == seen) {
            permits = 0;
        }
        return true;
    }
}
