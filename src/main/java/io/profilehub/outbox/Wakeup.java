package io.profilehub.outbox;

import java.time.Duration;

/** Lets idle workers sleep until new events are announced (LISTEN/NOTIFY) or the poll interval passes. */
final class Wakeup {
    private long generation;

    synchronized void signal() {
        generation++;
        notifyAll();
    }

    /** Returns true when woken by a signal, false when the timeout passed. */
    synchronized boolean await(Duration timeout) throws InterruptedException {
        long seen = generation;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (generation == seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000), 0);
        }
        return true;
    }
}
