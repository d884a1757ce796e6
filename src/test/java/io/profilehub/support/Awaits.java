package io.profilehub.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for an asynchronous outcome, failing with a clear message when it never comes. */
public final class Awaits {
    /*
     * Asked again after 5, 10, 20 ... ms, then every 100 ms: a condition met at once is seen at once, and a long wait
     * does not ask 50 times a second. Many conditions are SQL on a connection of their own (a drain's is a query of
     * delivery_status): asked every 20 ms, they took CPU from the service under test on a busy 2-core machine.
     */
    private static final long FIRST_PAUSE_MS = 5;
    private static final long MAX_PAUSE_MS = 100;
    private Awaits() {
    }

    public static void until(Duration timeout, BooleanSupplier condition) {
        until(timeout, condition, () -> "");
    }

    /** As above, adding what {@code diagnostics} says at the moment of failure to the message. */
    public static void until(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_PAUSE_MS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout + " " + diagnostics.get());
            }
            try {
                Thread.sleep(pause);
                pause = Math.min(MAX_PAUSE_MS, pause * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
