package io.profilehub.outbox;

import io.profilehub.support.Awaits;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
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

/**
 * Vendors that echo what they are sent, one with a line break followed by a forged log line: the log says how the
 * vendor answered (status, length, JSON field names) but never what, so no profile value and no forged line reach it.
 */
@MicronautTest(transactional = false)
class VendorAnswerLoggingTest extends ServiceTest {
    private static final String EMAIL = "logged.person@example.com";
    private static final String TRAIT = "trait-value-9931";
    private static final String FORGED = "2026-01-01 00:00:00.000 INFO  [main] io.profilehub.Application - FORGED admin key issued";
    private static final ListAppender<ILoggingEvent> CAPTURE = new ListAppender<>();
    private final WireMockServer vendor = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        CAPTURE.setContext(logging);
        CAPTURE.start();
        logging.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(CAPTURE);
        logging.getLogger("io.profilehub").setLevel(Level.DEBUG);
        vendor.start();
        vendor.stubFor(post(urlEqualTo("/text")).willReturn(aResponse().withStatus(401)
                .withBody("denied {{request.body}}\n" + FORGED).withTransformers("response-template")));
        vendor.stubFor(post(urlEqualTo("/json")).willReturn(aResponse().withStatus(403)
                .withBody("{\"error\":\"unauthorized\",\"received\":\"" + EMAIL + "\\n" + FORGED + "\"}")));
        vendor.stubFor(post(urlEqualTo("/flaky")).willReturn(aResponse().withStatus(503)
                .withBody("busy with {{request.body}}\r\n" + FORGED).withTransformers("response-template")));
        return WebhookDestinations.retryingQuickly(vendor.baseUrl(), "log-secret", List.of("text", "json", "flaky"), 3, workspace);
    }

    @AfterAll
    void stop() {
        vendor.stop();
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(CAPTURE);
    }

    @Test
    void vendorAnswersAreLoggedAsStatusLengthAndFieldNamesOnly() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"" + EMAIL + "\"},\"traits\":{\"t\":\""
                + TRAIT + "\"}}").json().get("id").asText();
        Awaits.until(Duration.ofSeconds(30), () -> {
            int settled = 0;
            for (var d : api().get("/sync/destinations").json().get("data")) {
                settled += d.get("dead").asInt() > 0 || d.get("paused").asBoolean() ? 1 : 0;
            }
            return settled == 3;
        });
        api().delete("/identify/" + id);

        List<String> lines = CAPTURE.list.stream().map(e -> e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage())).toList();
        String logs = String.join("\n", lines);
        assertTrue(logs.contains("Destination text paused"), logs);
        assertTrue(logs.contains("Destination json paused"), logs);
        assertTrue(logs.contains("JSON fields error, received"), "field names say what kind of answer it was: " + logs);
        assertFalse(logs.contains(EMAIL), "a profile's email reached the log");
        assertFalse(logs.contains(TRAIT), "a profile's trait reached the log");
        assertFalse(logs.contains("FORGED"), "the vendor's text reached the log");
        for (ILoggingEvent e : CAPTURE.list) {
            String line = e.getFormattedMessage();
            if (e.getLoggerName().startsWith("io.profilehub")) {
                assertFalse(line.contains("\n") || line.contains("\r"), "one event, one line: " + line);
            }
        }
        assertTrue(CAPTURE.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining())
                .contains("characters"), logs);
    }
}
