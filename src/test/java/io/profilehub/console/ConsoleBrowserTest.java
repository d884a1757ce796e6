package io.profilehub.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console in a real Chromium against the running service, whose two webhook destinations post to WireMock:
 * {@code console_crm} accepts everything, {@code console_strict} refuses (422) any event carrying "dead-me".
 * Every test leaves a screenshot in target/console-screenshots/.
 */
@MicronautTest(transactional = false)
class ConsoleBrowserTest extends ConsoleTest {
    @BeforeEach
    void freshTab() {
        browser.size(Browser.DESKTOP);
        browser.driver.get(server.getURI().resolve("/console/").toString());
        browser.js("sessionStorage.clear(); localStorage.clear();");
    }

    @AfterEach
    void screenshot(TestInfo test) {
        browser.screenshot(test.getTestMethod().orElseThrow().getName());
        api().post("/sync/destinations/" + CRM + "/resume", "");
    }

    @Test
    void signInSearchAndProfilePageWithItsVendorState() {
        String last = "Lee" + UUID.randomUUID().toString().substring(0, 6);
        String id = create("{\"identifiers\":{\"email\":\"ann." + last + "@example.com\",\"name\":{\"first\":\"Ann\","
                + "\"last\":\"" + last + "\"}},\"traits\":{\"plan\":\"pro\",\"address\":{\"city\":\"Oslo\"}}}");
        create("{\"identifiers\":{\"email\":\"bob." + last + "@example.com\",\"name\":{\"first\":\"Bob\",\"last\":\""
                + last + "\"}}}");
        awaitSync(id, CRM, "delivered");

        browser.visible(By.id("api-key"));
        browser.screenshot("sign-in");
        signIn(adminKey);
        assertEquals(0L, browser.js("return localStorage.length"), "nothing in local storage");
        assertEquals("", browser.js("return document.cookie"), "no cookie");
        assertEquals(adminKey, browser.js("return sessionStorage.getItem('profilehub.console.key')"));
        assertFalse(browser.driver.getCurrentUrl().contains(adminKey), "the key is never in a URL");

        browser.visible(By.linkText("Profiles")).click();
        browser.visible(By.id("filter-name-1")).sendKeys("name.last");
        browser.driver.findElement(By.id("filter-value-1")).sendKeys(last);
        browser.driver.findElement(By.id("add-filter")).click();
        browser.visible(By.id("filter-name-2")).sendKeys("name.first");
        browser.driver.findElement(By.id("filter-value-2")).sendKeys("Ann");
        browser.driver.findElement(By.id("search-button")).click();
        browser.awaitText(By.id("results"), id);
        assertEquals(1, browser.driver.findElements(By.cssSelector("#results tbody tr")).size(), "both filters apply");
        browser.screenshot("profiles-search");

        browser.driver.findElement(By.linkText(id)).click();
        browser.awaitText(By.id("profile-title"), id);
        String identifiers = browser.visible(By.id("identifiers")).getText();
        assertTrue(identifiers.contains("last") && identifiers.contains("\"" + last + "\""), identifiers);
        assertTrue(browser.driver.findElement(By.id("traits")).getText().contains("city: \"Oslo\""));
        WebElement crm = browser.visible(By.cssSelector("#sync tr[data-destination='" + CRM + "']"));
        assertTrue(crm.getText().contains("delivered") && crm.getText().contains("v1"), crm.getText());
        browser.screenshot("profile-page");
        browser.size(Browser.PHONE);
        browser.screenshot("profile-page-390x844");
        noCspViolations();
    }

    @Test
    void hostileValuesShowAsTextAndRunNothing() {
        String id = create("{\"identifiers\":{\"email\":\"x" + UUID.randomUUID() + "@example.com\","
                + "\"name\":{\"first\":\"<svg onload=window.__pwned=1>\"}},"
                + "\"traits\":{\"html\":\"<img src=x onerror=window.__pwned=2>\",\"link\":\"javascript:window.__pwned=3\","
                + "\"<b>key</b>\":\"<script>window.__pwned=4</script>\",\"dead-me\":true}}");
        awaitSync(id, STRICT, "dead");

        signIn(adminKey);
        browser.driver.get(server.getURI().resolve("/console/#/profiles/" + id).toString());
        browser.awaitText(By.id("traits"), "<img src=x onerror=window.__pwned=2>");
        String page = browser.driver.findElement(By.tagName("main")).getText();
        assertTrue(page.contains("javascript:window.__pwned=3"), page);
        assertTrue(page.contains("<b>key</b>: \"<script>window.__pwned=4</script>\""), page);
        assertTrue(page.contains("<svg onload=window.__pwned=1>"), page);
        assertTrue(page.contains("<img src=x onerror=window.__pwned=9>"), "the vendor's answer, as text: " + page);
        assertTrue(browser.driver.findElements(By.cssSelector("main img, main svg, main script, main b")).isEmpty());
        assertTrue(browser.driver.findElements(By.cssSelector("main a[href^='javascript']")).isEmpty());
        browser.screenshot("hostile-profile");

        browser.driver.get(server.getURI().resolve("/console/#/dead-letters?destination=" + STRICT).toString());
        browser.awaitText(By.id("dead-letters"), "<img src=x onerror=window.__pwned=9>");
        assertTrue(browser.driver.findElements(By.cssSelector("main img, main svg, main script")).isEmpty());
        assertNull(browser.js("return window.__pwned"), "no hostile value ran");
        assertThrows(NoAlertPresentException.class, () -> browser.driver.switchTo().alert());
        noCspViolations();

        Api.Response page2 = api().withKey(null).get("/console/");
        String csp = page2.header("Content-Security-Policy");
        assertTrue(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe"), csp);
        assertFalse(page2.body().matches("(?s).*<script(?![^>]*\\ssrc=)[^>]*>.*"), "no inline script");
    }

    @Test
    void pauseResumeAndBackfillADestinationWithItsChart() {
        String id = create("{\"identifiers\":{\"email\":\"p" + UUID.randomUUID() + "@example.com\"}}");
        awaitSync(id, CRM, "delivered");
        signIn(adminKey);
        browser.visible(By.linkText("Destinations")).click();
        WebElement card = card(CRM);
        assertTrue(card.getText().contains("webhook") && card.getText().contains(vendor.baseUrl() + "/crm"));
        browser.await(d -> card(CRM).findElements(By.cssSelector(".uplot canvas")).isEmpty() ? null : true);

        card(CRM).findElement(By.cssSelector("[data-action=pause]")).click();
        browser.await(d -> card(CRM).getText().contains("paused by an operator") ? true : null);
        assertTrue(destination(CRM).get("paused").asBoolean());
        browser.screenshot("destination-paused");

        card(CRM).findElement(By.cssSelector("[data-action=resume]")).click();
        browser.await(d -> card(CRM).findElements(By.cssSelector("[data-action=pause]")).isEmpty() ? null : true);
        assertFalse(destination(CRM).get("paused").asBoolean());

        card(CRM).findElement(By.cssSelector("[data-action=backfill]")).click();
        browser.visible(By.cssSelector("dialog [data-confirm]")).click();
        browser.await(d -> card(CRM).findElement(By.cssSelector("[data-backfill]")).getText().contains("completed")
                ? true : null);
        browser.screenshot("destinations");
        browser.size(Browser.PHONE);
        browser.screenshot("destinations-390x844");
        noCspViolations();
    }

    @Test
    void deadLetterRetriedFromTheList() {
        String marker = "dead-me-" + UUID.randomUUID();
        String id = create("{\"identifiers\":{\"email\":\"d" + UUID.randomUUID() + "@example.com\"},"
                + "\"traits\":{\"note\":\"" + marker + "\"}}");
        awaitSync(id, STRICT, "dead");
        signIn(adminKey);
        browser.visible(By.linkText("Dead letters")).click();
        new org.openqa.selenium.support.ui.Select(browser.visible(By.id("dl-destination"))).selectByValue(STRICT);
        browser.driver.findElement(By.id("dl-status")).sendKeys("422");
        browser.driver.findElement(By.id("dl-filter")).click();
        browser.awaitText(By.id("dead-letters"), id);
        browser.screenshot("dead-letters");

        // The vendor now takes it: a retry delivers the profile's current state.
        vendor.stubFor(post(urlEqualTo("/strict")).withRequestBody(containing(marker))
                .willReturn(aResponse().withStatus(200)));
        WebElement row = browser.driver.findElements(By.cssSelector("#dead-letters tbody tr")).stream()
                .filter(r -> r.getText().contains(id)).findFirst().orElseThrow();
        row.findElement(By.cssSelector("input[type=checkbox]")).click();
        browser.driver.findElement(By.id("dl-retry")).click();
        awaitSync(id, STRICT, "delivered");
    }

    @Test
    void erasureConfirmedByIdAndFollowedToCompletion() {
        String id = create("{\"identifiers\":{\"email\":\"e" + UUID.randomUUID() + "@example.com\"}}");
        awaitSync(id, CRM, "delivered");
        signIn(adminKey);
        browser.driver.get(server.getURI().resolve("/console/#/profiles/" + id).toString());
        browser.visible(By.id("erase")).click();
        browser.visible(By.id("erase-target"));
        browser.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        browser.await(d -> d.findElements(By.tagName("dialog")).isEmpty() ? true : null);
        assertEquals(200, api().get("/identify/" + id).status(), "Escape cancels");

        browser.visible(By.id("erase")).click();
        assertEquals(id, browser.visible(By.id("erase-target")).getText(), "the confirmation names the person");
        browser.screenshot("erase-confirmation");
        browser.driver.findElement(By.id("erase-suppress")).click();
        browser.driver.findElement(By.cssSelector("dialog [data-confirm]")).click();
        browser.awaitText(By.id("erasure-title"), id);
        browser.await(d -> d.findElement(By.id("erasure-status")).getText().equals("completed") ? true : null);
        assertTrue(browser.driver.findElement(By.tagName("main")).getText().contains("Suppressed\nyes"));
        assertEquals(404, api().get("/identify/" + id).status());
        assertEquals("completed", api().get("/erasures/" + id).json().get("status").asText());
    }

    @Test
    void newKeyIsShownOnceAndWorks() {
        signIn(adminKey);
        browser.visible(By.linkText("API keys")).click();
        String name = "frontend-" + UUID.randomUUID().toString().substring(0, 6);
        browser.visible(By.id("key-name")).sendKeys(name);
        browser.driver.findElement(By.cssSelector("input[value='profiles:read']")).click();
        browser.driver.findElement(By.id("create-key")).click();
        String secret = browser.visible(By.id("new-key-secret")).getText();
        assertTrue(secret.startsWith("phk_"), secret);
        assertTrue(browser.driver.findElement(By.id("new-key")).getText().contains("shown only once"));
        browser.screenshot("key-created");
        assertEquals(200, api().withKey(secret).get("/identify?limit=1").status(), "the new key works");
        String stored = (String) browser.js("return JSON.stringify(sessionStorage) + JSON.stringify(localStorage)");
        assertFalse(stored.contains(secret), "the new secret is kept nowhere");

        browser.driver.navigate().refresh();
        browser.visible(By.id("keys"));
        assertTrue(browser.driver.findElements(By.id("new-key-secret")).isEmpty(), "gone once the page is left");
        assertFalse(browser.driver.getPageSource().contains(secret));

        browser.driver.findElements(By.cssSelector("#keys tbody tr")).stream()
                .filter(r -> r.getText().contains(name)).findFirst().orElseThrow()
                .findElement(By.tagName("button")).click();
        browser.visible(By.cssSelector("dialog [data-confirm]")).click();
        browser.await(d -> d.findElement(By.id("keys")).getText().contains(name) ? null : true);
        assertEquals(401, api().withKey(secret).get("/identify?limit=1").status(), "revoked");
    }

    @Test
    void readOnlyKeySeesNoActionAndA403IsASentence() {
        String id = create("{\"identifiers\":{\"email\":\"r" + UUID.randomUUID() + "@example.com\"}}");
        String reader = api().post("/admin/api-keys", "{\"name\":\"reader\",\"scopes\":[\"profiles:read\"]}")
                .json().get("key").asText();
        signIn(reader);
        List<String> sections = browser.driver.findElements(By.cssSelector("#nav a")).stream()
                .map(WebElement::getText).toList();
        assertEquals(List.of("Profiles"), sections);
        browser.driver.get(server.getURI().resolve("/console/#/profiles/" + id).toString());
        browser.awaitText(By.id("profile-title"), id);
        assertTrue(browser.driver.findElements(By.cssSelector("main button")).isEmpty(), "no action is offered");
        browser.screenshot("read-only-profile");

        browser.driver.get(server.getURI().resolve("/console/#/keys").toString());
        browser.awaitText(By.tagName("main"), "This API key lacks the 'admin' scope this endpoint needs.");
        assertTrue(browser.driver.findElements(By.cssSelector("main form, main button")).isEmpty(),
                "a refused page shows the sentence, not controls that cannot work");
    }

    @Test
    void apiReferenceServedFromTheJar() {
        browser.driver.get(server.getURI().resolve("/docs").toString());
        browser.awaitText(By.cssSelector(".swagger-ui .info"), "ProfileHub");
        noCspViolations();
    }
}
