package io.profilehub.support;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Starts the service with a configuration that must be refused, and answers the failure. Unlike
 * {@code ApplicationContext.run}, which leaves a context that failed to start running, it stops the context: its
 * scheduled tasks, listeners and pool would otherwise go on using the run's shared database under later test
 * classes (counting as their transactions, listening as another instance).
 */
public final class FailedStart {
    private FailedStart() {
    }

    public static Throwable of(Map<String, Object> properties) {
        ApplicationContext context = ApplicationContext.builder().properties(properties).build();
        try {
            return assertThrows(Throwable.class, () -> {
                context.start();
                context.getBean(EmbeddedServer.class).start();
            });
        } finally {
            try {
                context.stop();
            } catch (RuntimeException ignored) {
                // what failed to start may fail to stop as well; it is stopped either way
            }
        }
    }
}
