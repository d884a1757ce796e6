package io.profilehub.operations;

import io.profilehub.support.StartupProcess;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a newcomer reads when the service cannot start for a reason of theirs to fix: one sentence, once, naming the
 * listener or the setting and what to do, and no stack trace (child processes with the production logging).
 */
class StartupMessagesTest {

    @Test
    void aTakenManagementPortNamesTheListenerAndTheVariableThatMovesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> properties = database();
            properties.put("profilehub.management.port", Integer.toString(taken.getLocalPort()));
            StartupProcess.Exit exit = StartupProcess.run(properties, Map.of());
            assertEquals(1, exit.status(), exit.output());
            String sentence = "the management listener (metrics, detailed health, operator actions) could not listen"
                    + " on 127.0.0.1:" + taken.getLocalPort() + ": the port is already in use";
            assertEquals(1, exit.linesContaining(sentence), exit.output());
            assertEquals(1, exit.linesContaining("set PROFILEHUB_MANAGEMENT_PORT to a free port"), exit.output());
            assertFalse(exit.hasStackTrace(), exit.output());
        }
    }

    @Test
    void aTakenApiPortNamesTheApiListenerAndPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> properties = database();
            properties.put("micronaut.server.port", Integer.toString(taken.getLocalPort()));
            properties.put("micronaut.server.host", "127.0.0.1");
            StartupProcess.Exit exit = StartupProcess.run(properties, Map.of());
            assertEquals(1, exit.status(), exit.output());
            assertEquals(1, exit.linesContaining("the API listener could not listen on 127.0.0.1:"
                    + taken.getLocalPort() + ": the port is already in use"), exit.output());
            assertEquals(1, exit.linesContaining("set PORT to a free port"), exit.output());
            assertFalse(exit.hasStackTrace(), exit.output());
        }
    }

    @Test
    void aMisspeltVariableIsOneSentenceOnceWithoutStackTrace() throws Exception {
        StartupProcess.Exit exit = StartupProcess.run(database(), Map.of("PROFILEHUB_OUTBOX_MAX_ATTEMPT", "3"));
        assertEquals(1, exit.status(), exit.output());
        assertEquals(1, exit.linesContaining("PROFILEHUB_OUTBOX_MAX_ATTEMPT"), exit.output());
        assertEquals(1, exit.linesContaining("ProfileHub did not start: the environment variable "
                + "PROFILEHUB_OUTBOX_MAX_ATTEMPT is not a ProfileHub setting; did you mean "
                + "PROFILEHUB_OUTBOX_RETRY_MAX_ATTEMPTS"), exit.output());
        assertFalse(exit.hasStackTrace(), exit.output());
    }

    @Test
    void aValueOutOfRangeIsOneSentenceOnceWithoutStackTrace() throws Exception {
        // PROFILEHUB_LOG_LEVEL is logback's, and known: the one refusal is the limit's.
        StartupProcess.Exit exit = StartupProcess.run(database(), Map.of("PROFILEHUB_LIMITS_MAX_PROFILE_BYTES", "100",
                "PROFILEHUB_LOG_LEVEL", "INFO"));
        assertEquals(1, exit.status(), exit.output());
        assertEquals(1, exit.linesContaining("profilehub.limits.max-profile-bytes"), exit.output());
        assertEquals(1, exit.linesContaining("ProfileHub did not start: profilehub.limits.max-profile-bytes must be "
                + "at least 1024, not '100'"), exit.output());
        assertFalse(exit.hasStackTrace(), exit.output());
    }

    @Test
    void aSecondInstanceOnTheSameEmbeddedDataSaysSoAndWhatToDo() throws Exception {
        Path data = Files.createTempDirectory("profilehub-embedded");
        // A folder a first instance has initialised (so no initdb runs) ...
        Files.createFile(data.resolve("postgresql.conf"));
        // ... and whose PostgreSQL holds the library's lock on it while it runs.
        try (RandomAccessFile lockFile = new RandomAccessFile(data.resolve("epg-lock").toFile(), "rw");
             FileLock lock = lockFile.getChannel().tryLock()) {
            assertNotNull(lock);
            StartupProcess.Exit exit = StartupProcess.run(Map.of("profilehub.embedded-db.directory", data.toString(),
                    "micronaut.server.port", "-1"), Map.of());
            assertEquals(1, exit.status(), exit.output());
            assertEquals(1, exit.linesContaining("Another ProfileHub (or PostgreSQL) is already running on the "
                    + "embedded database in " + data), exit.output());
            assertEquals(1, exit.linesContaining("PROFILEHUB_EMBEDDED_DB_DIRECTORY"), exit.output());
            assertFalse(exit.output().contains("could not lock"), exit.output());
            assertFalse(exit.hasStackTrace(), exit.output());
        } finally {
            Files.deleteIfExists(data.resolve("epg-lock"));
            Files.deleteIfExists(data.resolve("postgresql.conf"));
            Files.deleteIfExists(data);
        }
    }

    private static Map<String, String> database() {
        Map<String, String> properties = new HashMap<>(TestDatabase.datasourceProperties());
        properties.put("micronaut.server.port", "-1");
        return properties;
    }
}
