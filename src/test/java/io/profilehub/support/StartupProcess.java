package io.profilehub.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code io.profilehub.Application} as a newcomer starts it, in a child JVM with the production logging
 * configuration (the test classes and their logback-test.xml left off the classpath), for a start-up that must
 * fail: its exit status and everything it printed.
 */
public final class StartupProcess {
    private StartupProcess() {
    }

    public record Exit(int status, String output) {
        /** Output lines that are not blank. */
        public List<String> lines() {
            return output.lines().filter(line -> !line.isBlank()).toList();
        }

        public long linesContaining(String text) {
            return lines().stream().filter(line -> line.contains(text)).count();
        }

        public boolean hasStackTrace() {
            return output.lines().anyMatch(line -> line.startsWith("\tat ") || line.startsWith("Caused by:"));
        }
    }

    /** Runs until it exits (at most 90 s) with these system properties and environment variables. */
    public static Exit run(Map<String, String> properties, Map<String, String> environment)
            throws IOException, InterruptedException {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("io.profilehub.Application");
        Path log = Files.createTempFile("profilehub-start", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("DATASOURCES_") || k.startsWith("PROFILEHUB_")
                || k.startsWith("MICRONAUT_") || k.equals("PORT"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "still running:\n" + Files.readString(log));
            return new Exit(process.exitValue(), Files.readString(log));
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }
}
