package io.profilehub.security;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.WebhookDestinations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Captures every log line of a run that exercises keys, destinations and their failures, and looks for secrets. */
@MicronautTest(transactional = false)
class SecretsInLogsTest extends ServiceTest {
    private static final String VENDOR_TOKEN = "vendor-token-Zq81xXsecret";
    private static final ListAppender<ILoggingEvent> CAPTURE = new ListAppender<>();
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        CAPTURE.setContext(logging);
        CAPTURE.start();
        Logger root = logging.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(CAPTURE);
        root.setLevel(Level.INFO);
        logging.getLogger("io.profilehub").setLevel(Level.DEBUG);
        vendor.start();
        // The vendor echoes our token back in its error answers, as some do.
        vendor.stubFor(post(urlEqualTo("/flaky")).willReturn(aResponse().withStatus(500).withBody("{\"token\":\"" + VENDOR_TOKEN + "\"}")));
        vendor.stubFor(post(urlEqualTo("/locked")).willReturn(aResponse().withStatus(401).withBody("bad token " + VENDOR_TOKEN)));
        vendor.stubFor(post(urlEqualTo("/refuses")).willReturn(aResponse().withStatus(400).withBody("refused " + VENDOR_TOKEN)));
        return WebhookDestinations.retryingQuickly(vendor.baseUrl(), VENDOR_TOKEN, List.of("flaky", "locked", "refuses"), 3, workspace);
    }

    @AfterAll
    void stop() {
        vendor.stop();
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(CAPTURE);
    }

    @Test
    void noApiKeyNorVendorTokenIsEverLogged() {
        String issued = api().post("/admin/api-keys", "{\"name\":\"logs\",\"scopes\":[\"profiles:write\"]}").json().get("key").asText();
        String id = api().withKey(issued).post("/identify", "{\"identifiers\":{\"email\":\"logs@example.com\"}}").json().get("id").asText();
        api().withKey("phk_wrong_" + VENDOR_TOKEN).get("/identify/" + id);
        api().post("/identify/" + id, "{\"traits\":{\"a\":1}}");
        Awaits.until(Duration.ofSeconds(20), () -> {
            Api.Response dests = api().get("/sync/destinations");
            int settled = 0;
            for (var d : dests.json().get("data")) {
                settled += d.get("dead").asInt() > 0 || d.get("paused").asBoolean() ? 1 : 0;
            }
            return settled == 3;
        });
        api().delete("/identify/" + id);
        String statusOutput = api().get("/sync/destinations").body() + api().get("/sync/dead-letters").body();
        String logs = CAPTURE.list.stream().map(e -> e.getFormattedMessage()
                        + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage()))
                .collect(Collectors.joining("\n"));
        assertTrue(logs.contains("paused"), "the run did log: " + logs.length() + " chars");
        for (String secret : List.of(adminKey, issued, VENDOR_TOKEN)) {
            assertFalse(logs.contains(secret), "a secret was logged");
            assertFalse(statusOutput.contains(secret), "a secret is in status or dead-letter output");
        }
    }
}
