package io.profilehub.auth;

import io.profilehub.support.FailedStart;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.TestDatabase;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which configured keys a start-up accepts, and the key a first run generates. */
class StartupKeyPolicyTest {
    private final String workspace = "ws_" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void aWeakBootstrapKeyStopsStartUpWhenTheServerListensOnEveryInterface() {
        Map<String, Object> config = config(TestDatabase.datasourceProperties());
        // A context that fails to start keeps its connection pool: let it shrink to nothing soon.
        config.put("datasources.default.minimum-idle", 0);
        config.put("datasources.default.idle-timeout", 10_000);
        config.put("profilehub.bootstrap.api-key", "dev-key");
        Throwable refused = FailedStart.of(config);
        String message = causes(refused);
        assertTrue(message.contains("profilehub.bootstrap.api-key is weak"), message);
        assertTrue(message.contains("micronaut.server.host=127.0.0.1"), message);
        assertFalse(message.contains("dev-key"), "the key itself is never shown: " + message);
        assertEquals(0, Rows.count("select count(*) from profilehub.api_keys where workspace_id = ?", workspace));

        config.put("micronaut.server.host", "0.0.0.0");
        FailedStart.of(config);

        config.remove("micronaut.server.host");
        config.put("profilehub.bootstrap.api-key", "phk_" + UUID.randomUUID().toString().replace("-", ""));
        config.put("profilehub.bootstrap.keys[0].workspace", workspace);
        config.put("profilehub.bootstrap.keys[0].key", "reader-key");
        config.put("profilehub.bootstrap.keys[0].scopes", "profiles:read");
        String entry = causes(FailedStart.of(config));
        assertTrue(entry.contains("profilehub.bootstrap.keys[0].key is weak"), entry);
        assertEquals(0, Rows.count("select count(*) from profilehub.api_keys where workspace_id = ?", workspace),
                "a refused start-up writes no key");
    }

    @Test
    void aWeakBootstrapKeyIsAcceptedOnLoopback() {
        Map<String, Object> config = config(TestDatabase.datasourceProperties());
        config.put("profilehub.bootstrap.api-key", "dev-key");
        config.put("micronaut.server.host", "127.0.0.1");
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, config)) {
            assertEquals(200, new Api(server.getURI(), "dev-key").get("/identify?limit=1").status());
        }
    }

    @Test
    void aFirstRunWithoutAnyKeyGeneratesOneAndLogsItOnce() {
        Map<String, Object> database = new HashMap<>(TestDatabase.datasourceProperties());
        database.put("datasources.default.url", TestDatabase.createExtraDatabase("first_run"));
        Map<String, Object> config = config(database);
        config.put("profilehub.bootstrap.generate-if-none", true);
        config.put("micronaut.server.host", "127.0.0.1");

        List<String> first = bootstrapLog(config);
        Pattern generated = Pattern.compile("generated the API key (phk_[A-Za-z0-9]{40}) with every scope");
        List<String> lines = first.stream().filter(line -> generated.matcher(line).find()).toList();
        assertEquals(1, lines.size(), first.toString());
        Matcher m = generated.matcher(lines.get(0));
        assertTrue(m.find());
        String secret = m.group(1);

        List<String> second = bootstrapLog(config);
        assertTrue(second.stream().noneMatch(line -> line.contains("generated")), "only once: " + second);
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, config)) {
            Api api = new Api(server.getURI(), secret);
            assertEquals(200, api.get("/identify?limit=1").status());
            assertEquals(1, api.get("/admin/api-keys").json().path("data").size());
        }
    }

    @Test
    void aFirstStartThatFailsGeneratesNoKeyAndEveryLaterStartSaysHowToGetIn() throws Exception {
        Map<String, Object> database = new HashMap<>(TestDatabase.datasourceProperties());
        String url = TestDatabase.createExtraDatabase("failed_first_run");
        database.put("datasources.default.url", url);
        Map<String, Object> config = config(database);
        config.put("profilehub.bootstrap.generate-if-none", true);
        config.put("micronaut.server.host", "127.0.0.1");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, Object> failing = new HashMap<>(config);
            failing.put("profilehub.management.port", taken.getLocalPort());
            List<String> log = captured(() -> FailedStart.of(failing));
            assertTrue(log.stream().noneMatch(line -> line.contains("generated")), "no key for a failed start: " + log);
        }
        try (Connection c = DriverManager.getConnection(url, TestDatabase.username(), TestDatabase.password());
             ResultSet keys = c.createStatement().executeQuery("select count(*) from profilehub.api_keys")) {
            keys.next();
            assertEquals(0, keys.getInt(1), "the failed start wrote no key");
        }

        List<String> first = bootstrapLog(config);
        assertEquals(1, first.stream().filter(line -> line.contains("First run: generated the API key")).count(),
                first.toString());
        List<String> later = bootstrapLog(config);
        assertTrue(later.stream().anyMatch(line -> line.contains("API keys exist already; a first run's key is shown only once")
                && line.contains("PROFILEHUB_BOOTSTRAP_API_KEY=<a key of your own>")), later.toString());
    }

    @Test
    void withoutAnyKeyAndNoneToGenerateStartUpSaysHowToGetIn() {
        Map<String, Object> database = new HashMap<>(TestDatabase.datasourceProperties());
        database.put("datasources.default.url", TestDatabase.createExtraDatabase("no_key_at_all"));
        List<String> log = bootstrapLog(config(database));
        assertTrue(log.stream().anyMatch(line -> line.startsWith("No API key is active and none is configured")
                && line.contains("Set PROFILEHUB_BOOTSTRAP_API_KEY")), log.toString());
    }

    @Test
    void noKeyIsGeneratedWhenOneIsConfigured() {
        Map<String, Object> database = new HashMap<>(TestDatabase.datasourceProperties());
        database.put("datasources.default.url", TestDatabase.createExtraDatabase("configured_key"));
        Map<String, Object> config = config(database);
        config.put("profilehub.bootstrap.generate-if-none", true);
        config.put("profilehub.bootstrap.api-key", "phk_" + UUID.randomUUID().toString().replace("-", ""));
        List<String> log = bootstrapLog(config);
        assertTrue(log.stream().noneMatch(line -> line.contains("generated")), log.toString());
    }

    private List<String> bootstrapLog(Map<String, Object> config) {
        return captured(() -> ApplicationContext.run(EmbeddedServer.class, config).close());
    }

    private static List<String> captured(Runnable start) {
        Logger logger = (Logger) LoggerFactory.getLogger(BootstrapKeys.class);
        ListAppender<ILoggingEvent> capture = new ListAppender<>();
        capture.start();
        logger.addAppender(capture);
        try {
            start.run();
            return capture.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        } finally {
            logger.detachAppender(capture);
        }
    }

    private Map<String, Object> config(Map<String, ?> database) {
        Map<String, Object> config = new HashMap<>(database);
        config.put("micronaut.server.port", -1);
        config.put("profilehub.bootstrap.workspace", workspace);
        return config;
    }

    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}
