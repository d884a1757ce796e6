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

    /** Returns true when woken by a signal, false when the timeout passed. */
    synchronized boolean await(Duration timeout) throws InterruptedException {
        long seen = broadcasts;
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
