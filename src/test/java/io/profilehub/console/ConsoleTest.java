package io.profilehub.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.profilehub.support.Api;
import io.profilehub.support.Awaits;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console in a real Chromium (one per test class) against the running service, whose two webhook destinations
 * post to WireMock: {@code console-crm} accepts everything, {@code console-strict} refuses (422) any event carrying
 * "dead-me".
 */
abstract class ConsoleTest extends ServiceTest {
    static final String CRM = "console-crm";
    static final String STRICT = "console-strict";
    static final String HOSTILE_ANSWER = "{\"error\":\"<img src=x onerror=window.__pwned=9>\"}";

    final WireMockServer vendor = new WireMockServer(options().dynamicPort());
    Browser browser;

    @Override
    protected Map<String, String> extraProperties() {
        if (!vendor.isRunning()) {
            vendor.start();
        }
        // Each destination serves this workspace alone, so its admin may pause it (shared ones are the operator's).
        return Map.ofEntries(
                Map.entry("profilehub.destinations." + CRM + ".workspaces", workspace),
                Map.entry("profilehub.destinations." + STRICT + ".workspaces", workspace),
                Map.entry("profilehub.destinations." + CRM + ".type", "webhook"),
                Map.entry("profilehub.destinations." + CRM + ".url", vendor.baseUrl() + "/crm"),
                Map.entry("profilehub.destinations." + CRM + ".token", "crm-secret"),
                Map.entry("profilehub.destinations." + STRICT + ".type", "webhook"),
                Map.entry("profilehub.destinations." + STRICT + ".url", vendor.baseUrl() + "/strict"),
                Map.entry("profilehub.destinations." + STRICT + ".token", "strict-secret"),
                Map.entry("profilehub.outbox.poll-interval", "1s"));
    }

    @BeforeAll
    void startBrowser() {
        vendor.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(204)));
        vendor.stubFor(post(urlEqualTo("/strict")).willReturn(aResponse().withStatus(204)));
        vendor.stubFor(post(urlEqualTo("/strict")).withRequestBody(containing("dead-me"))
                .willReturn(aResponse().withStatus(422).withBody(HOSTILE_ANSWER)));
        browser = Browser.start();
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        vendor.stop();
    }

    void open(String route) {
        browser.driver.get(server.getURI().resolve("/console/#" + route).toString());
    }

    void signIn(String key) {
        browser.driver.get(server.getURI().resolve("/console/").toString());
        // By keyboard alone: the key field has the focus when the page opens, Enter signs in.
        browser.visible(By.id("api-key"));
        browser.driver.switchTo().activeElement().sendKeys(key, Keys.ENTER);
        browser.visible(By.id("key-scopes"));
    }

    WebElement card(String name) {
        return browser.visible(By.cssSelector("section.destination[data-name='" + name + "']"));
    }

    String create(String json) {
        Api.Response r = api().post("/identify", json);
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asText();
    }

    JsonNode destination(String name) {
        for (JsonNode d : api().get("/sync/destinations").json().get("data")) {
            if (d.get("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError("no destination " + name);
    }

    void awaitSync(String id, String destination, String status) {
        Awaits.until(Duration.ofSeconds(20), () -> {
            for (JsonNode d : api().get("/identify/" + id + "/sync").json().get("destinations")) {
                if (d.get("name").asText().equals(destination)) {
                    return d.get("status").asText().equals(status);
                }
            }
            return false;
        }, () -> api().get("/identify/" + id + "/sync").body());
    }

    void noCspViolations() {
        List<String> violations = browser.driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .filter(m -> m.contains("Content Security Policy") || m.contains("Refused to"))
                .toList();
        assertTrue(violations.isEmpty(), String.join("\n", violations));
    }
}
