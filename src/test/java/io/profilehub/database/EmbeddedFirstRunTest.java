package io.profilehub.database;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The decisions the embedded first run makes (starting PostgreSQL itself is left to a real `mvn mn:run`). */
class EmbeddedFirstRunTest {

    @Test
    void theEmbeddedRunListensOnLoopbackUnlessAHostIsConfigured() {
        assertEquals(Map.of("micronaut.server.host", "127.0.0.1", "profilehub.bootstrap.generate-if-none", true),
                EmbeddedPostgresLauncher.firstRunProperties(false, false));
        assertEquals(Map.of("profilehub.bootstrap.generate-if-none", true),
                EmbeddedPostgresLauncher.firstRunProperties(true, false), "an explicit host is kept");
        assertEquals(Map.of(), EmbeddedPostgresLauncher.firstRunProperties(true, true));
    }

    @Test
    void theDataDirectoryIsResolvedAgainstTheProjectUnderMnRun() {
        // mn:run starts the application in target/, which `mvn clean` deletes.
        assertEquals(Path.of("/p/.profilehub/postgres"),
                EmbeddedPostgresLauncher.dataDirectory(".profilehub/postgres", "/p", "/p/target"));
        assertEquals(Path.of("/p/.profilehub/postgres"),
                EmbeddedPostgresLauncher.dataDirectory(null, "/p", "/p/target"));
        assertEquals(Path.of("/w/.profilehub/postgres"),
                EmbeddedPostgresLauncher.dataDirectory(".profilehub/postgres", null, "/w"), "java -jar: the working dir");
        assertEquals(Path.of("/data/pg"), EmbeddedPostgresLauncher.dataDirectory("/data/pg", "/p", "/p/target"));
        assertEquals(Path.of("/p/db"), EmbeddedPostgresLauncher.dataDirectory("./db", "/p", "/p/target"));
    }
}
