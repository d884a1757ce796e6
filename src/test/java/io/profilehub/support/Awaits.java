package io.profilehub.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for an asynchronous outcome, failing with a clear message when it never comes. */
public final class Awaits {
    private Awaits() {
    }

    public static void until(Duration timeout, BooleanSupplier condition) {
        until(timeout, condition, () -> "");
    }

    /** As above, adding what {@code diagnostics} says at the moment of failure to the message. */
    public static void until(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout + " " + diagnostics.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
