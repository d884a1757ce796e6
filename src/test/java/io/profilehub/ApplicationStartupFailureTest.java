package io.profilehub;

import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `mvn mn:run` forks the application and, whatever its exit code, keeps watching for changes. A shell stands in
 * for that Maven process here: after the application it would go on for ten minutes, unless the failed start ends it.
 */
class ApplicationStartupFailureTest {

    @Test
    void aFailedStartEndsTheProcessThatLaunchedIt() throws Exception {
        Map<String, String> database = TestDatabase.datasourceProperties();
        Path log = Files.createTempFile("profilehub-startup-failure", ".log");
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "-D" + Application.END_PARENT_ON_FAILURE + "=true",
                "-Ddatasources.default.url=" + database.get("datasources.default.url"),
                "-Ddatasources.default.username=" + database.get("datasources.default.username"),
                "-Ddatasources.default.password=" + database.get("datasources.default.password"),
                "-Dmicronaut.server.port=-1",
                "-Dprofilehub.destinations.broken.type=nope",
                "-Dprofilehub.destinations.broken.url=http://127.0.0.1:1",
                "-Dprofilehub.destinations.broken.token=t",
                Application.class.getName()));
        String command = "exec 1>>'" + log + "' 2>&1; " + String.join(" ", java.stream().map(a -> "'" + a + "'").toList())
                + "; echo \"application exited $?\"; sleep 600";
        Process parent = new ProcessBuilder("bash", "-c", command).start();
        try {
            assertTrue(parent.waitFor(120, TimeUnit.SECONDS), "the launcher kept running:\n" + Files.readString(log));
            assertEquals(143, parent.exitValue(), "ended by SIGTERM");
            String output = Files.readString(log);
            assertTrue(output.contains("'nope' is not a known destination type"), output);
        } finally {
            parent.descendants().forEach(ProcessHandle::destroy);
            parent.destroy();
            Files.deleteIfExists(log);
        }
    }
}
