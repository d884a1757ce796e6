package io.profilehub;

import io.micronaut.context.env.Environment;
import io.micronaut.runtime.Micronaut;
import io.profilehub.database.EmbeddedPostgresLauncher;
import io.profilehub.database.EmbeddedDatabaseInUse;
import io.profilehub.database.NoDatabaseConfigured;
import io.profilehub.operations.StartupFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

public class Application {
    /**
     * Set by the pom for {@code mvn mn:run}: the Micronaut Maven plugin ignores the exit code of the application it
     * forks and keeps watching for source changes after it died, so a failed start left Maven running (or, without
     * watching, reporting success). On a failed start the application then ends that Maven process, which exits
     * non-zero.
     */
    static final String END_PARENT_ON_FAILURE = "profilehub.end-parent-on-failure";

    private static final Logger LOG = LoggerFactory.getLogger(Application.class);
    private static volatile boolean failed;

    public static void main(String[] args) {
        if (Boolean.getBoolean(END_PARENT_ON_FAILURE)) {
            // Micronaut calls System.exit(1) itself when start-up fails, so the parent is ended on the way out.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (failed) {
                    ProcessHandle.current().parent().ifPresent(ProcessHandle::destroy);
                }
            }, "end-parent-on-failure"));
        }
        try {
            new Launcher().args(args)
                    .mainClass(Application.class)
                    .properties(EmbeddedPostgresLauncher.startIfNoDatabase(args))
                    .start();
        } catch (NoDatabaseConfigured | EmbeddedDatabaseInUse e) {
            // A setting to make, not a fault to debug: one line says which.
            failed = true;
            LOG.error("ProfileHub failed to start: {}", e.getMessage());
            System.exit(1);
        } catch (Throwable e) {
            // Failures before Micronaut starts (the embedded database) would otherwise leave a stack trace only.
            failed = true;
            LOG.error("ProfileHub failed to start: {}", e.getMessage(), e);
            System.exit(1);
        }
    }

    /* Only a failed start ends the parent: the plugin also stops the application to restart it on a change. */
    private static final class Launcher extends Micronaut {
        /**
         * A failure that is a setting to change (a wrong or unknown key, a port in use) is one sentence, logged once;
         * its stack trace only at debug level (PROFILEHUB_LOG_LEVEL=DEBUG). Anything else is a fault: the
         * framework's report, with its trace.
         */
        @Override
        protected void handleStartupException(Environment environment, Throwable exception) {
            failed = true;
            Optional<String> sentence = environment == null || environment.getActiveNames().contains(Environment.TEST)
                    ? Optional.empty() : StartupFailure.explain(exception);
            if (sentence.isEmpty()) {
                super.handleStartupException(environment, exception);
                return;
            }
            LOG.error(sentence.get());
            LOG.debug("The start-up failure in full", exception);
            System.exit(1);
        }
    }
}
