package io.profilehub.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operators' console as issue 20 found it wanting: each test drives one of its items in Chromium. */
@MicronautTest(transactional = false)
class ConsoleOperatorsTest extends ConsoleTest {

    @BeforeEach
    void freshTab() {
        browser.size(Browser.DESKTOP);
        browser.driver.get(server.getURI().resolve("/console/").toString());
        browser.js("sessionStorage.clear(); localStorage.clear();");
    }

    @AfterEach
    void screenshot(TestInfo test) {
        browser.screenshot(test.getTestMethod().orElseThrow().getName());
        // A test that paused a destination and failed must not leave the next one waiting on it.
        api().post("/sync/destinations/" + CRM + "/resume", "");
        api().post("/sync/destinations/" + STRICT + "/resume", "");
    }

    @Test
    void retryOnAProfileRetriesExactlyThatProfilesDeadLetters() {
        String marker = "dead-me-" + UUID.randomUUID();
        String id = create("{\"identifiers\":{\"email\":\"x" + UUID.randomUUID() + "@example.com\"},"
                + "\"traits\":{\"note\":\"" + marker + "\"}}");
        awaitDeadLetters(id, 1);
        assertEquals(200, api().post("/identify/" + id, "{\"traits\":{\"again\":\"" + marker + "\"}}").status());
        awaitDeadLetters(id, 2);
        String other = create("{\"identifiers\":{\"email\":\"o" + UUID.randomUUID() + "@example.com\"},"
                + "\"traits\":{\"note\":\"dead-me-other\"}}");
        List<Long> othersLetters = awaitDeadLetters(other, 1);

        vendor.stubFor(post(urlEqualTo("/strict")).withRequestBody(containing(marker))
                .willReturn(aResponse().withStatus(200)));
        signIn(adminKey);
        open("/profiles/" + id);
        browser.visible(By.id("retry-profile")).click();
        awaitSync(id, STRICT, "delivered");
        Awaits.until(Duration.ofSeconds(10), () -> deadLetters(id).isEmpty(), () -> deadLetters(id).toString());
        assertEquals(othersLetters, deadLetters(other), "another profile's dead letter is left alone");
        assertTrue(browser.driver.findElement(By.id("alert")).getText().isEmpty(),
                browser.driver.findElement(By.id("alert")).getText());
    }

    @Test
    void anAbsorbedIdShowsTheSurvivorSaysItWasMergedAndTheMergeCanBeUndone() {
        String absorbed = create("{\"identifiers\":{\"email\":\"a" + UUID.randomUUID() + "@example.com\"}}");
        String survivor = create("{\"identifiers\":{\"email\":\"s" + UUID.randomUUID() + "@example.com\"}}");
        String mergeId = api().post("/identify/" + survivor + "/merge", "{\"from\":\"" + absorbed + "\"}")
                .json().path("merge").path("id").asText();
        signIn(adminKey);
        open("/profiles/" + absorbed);
        browser.awaitText(By.id("profile-title"), survivor);
        String notice = browser.visible(By.id("merged-notice")).getText();
        assertTrue(notice.contains(absorbed + " was merged into " + survivor) && notice.contains(mergeId), notice);
        assertTrue(browser.driver.findElement(By.id("merges")).getText().contains(mergeId));
        Accessibility.audit(browser, "a profile reached by an absorbed id");
        browser.notesScreenshots("profile-merged");

        browser.driver.findElement(By.id("merged-notice")).findElement(By.linkText(mergeId)).click();
        browser.awaitText(By.id("merge-title"), mergeId);
        browser.await(d -> d.findElements(By.cssSelector("#merge-destinations tr[data-destination]")).size() == 2
                ? true : null);
        String crm = browser.driver.findElement(By.cssSelector("#merge-destinations tr[data-destination='" + CRM
                + "']")).getText();
        assertTrue(crm.contains("v"), crm);
        Accessibility.audit(browser, "a merge");
        browser.notesScreenshots("merge");

        browser.driver.findElement(By.id("undo-merge")).click();
        browser.visible(By.cssSelector("dialog [data-confirm]")).click();
        browser.await(d -> d.findElement(By.id("merge-status")).getText().equals("undone") ? true : null);
        assertEquals("undone", api().get("/merges/" + mergeId).json().path("status").asText());
        assertEquals(200, api().get("/identify/" + absorbed).status(), "restored");
    }

    @Test
    void invisibleFormatCharactersAreSpeltOutWhereverDataIsShown() {
        String spoof = "invoice\u202Efdp.exe";
        String id = create("{\"identifiers\":{\"email\":\"b" + UUID.randomUUID() + "@example.com\",\"file\":\""
                + spoof + "\"},\"traits\":{\"na\u200Bme\":\"x\u2066y\u2069z\",\"\u202Ekey\":1}}");
        String keyName = "ops\u202Etxt.exe";
        assertEquals(201, api().post("/admin/api-keys", "{\"name\":\"" + keyName + "\",\"scopes\":[\"profiles:read\"]}")
                .status());
        signIn(adminKey);
        open("/profiles/" + id);
        browser.awaitText(By.id("identifiers"), "invoice");
        String page = browser.driver.findElement(By.tagName("main")).getText();
        assertTrue(page.contains("invoice\\u202Efdp.exe"), page);
        assertTrue(page.contains("na\\u200Bme") && page.contains("x\\u2066y\\u2069z") && page.contains("\\u202Ekey"), page);
        assertNoInvisibleCharacters("the profile page");
        browser.notesScreenshots("bidi-profile");

        open("/profiles");
        browser.awaitText(By.id("results"), "invoice\\u202Efdp.exe");
        assertNoInvisibleCharacters("the profile list");
        open("/profiles/" + id + "/history");
        browser.awaitText(By.id("history"), "na\\u200Bme");
        assertNoInvisibleCharacters("the field history");
        open("/keys");
        browser.awaitText(By.id("keys"), "ops\\u202Etxt.exe");
        assertNoInvisibleCharacters("the key list");
        String label = browser.driver.findElements(By.cssSelector("#keys tbody tr")).stream()
                .filter(r -> r.getText().contains("ops\\u202Etxt.exe")).findFirst().orElseThrow()
                .findElement(By.tagName("button")).getAttribute("aria-label");
        assertEquals("Revoke ops\\u202Etxt.exe", label);
    }

    @Test
    void newestProfilesFieldHistoryAndExportEachHaveAView() throws Exception {
        String older = create("{\"identifiers\":{\"email\":\"n1-" + UUID.randomUUID() + "@example.com\",\"userId\":\"u-"
                + UUID.randomUUID() + "\"}}");
        String newest = create("{\"identifiers\":{\"email\":\"n2-" + UUID.randomUUID() + "@example.com\",\"name\":"
                + "{\"first\":\"Ann\"}},\"traits\":{\"plan\":\"free\"}}");
        assertEquals(200, api().send("POST", "/identify/" + newest, "{\"traits\":{\"plan\":\"pro\"}}",
                java.util.Map.of("Content-Type", "application/json", "X-ProfileHub-Source", "billing-sync")).status());
        signIn(adminKey);
        browser.visible(By.linkText("Profiles")).click();
        browser.visible(By.id("results"));
        List<String> ids = browser.driver.findElements(By.cssSelector("#results tbody tr td:first-child")).stream()
                .map(e -> e.getText()).toList();
        assertEquals(List.of(newest, older), ids.subList(0, 2), "newest first");
        List<String> columns = browser.driver.findElements(By.cssSelector("#results th[data-column]")).stream()
                .map(e -> e.getText()).toList();
        assertTrue(columns.contains("email") && columns.contains("userId"), columns.toString());
        assertTrue(browser.driver.findElement(By.cssSelector("#results tbody tr")).getText().contains("n2-"));
        Accessibility.audit(browser, "the newest profiles");
        browser.notesScreenshots("profiles-newest");

        open("/profiles/" + newest);
        browser.awaitText(By.id("profile-title"), newest);
        browser.driver.findElement(By.linkText("Field history")).click();
        browser.awaitText(By.id("history"), "traits.plan");
        String first = browser.driver.findElement(By.cssSelector("#history tbody tr")).getText();
        assertTrue(first.contains("traits.plan") && first.contains("\"free\"") && first.contains("\"pro\"")
                && first.contains("update") && first.contains("billing-sync"), first);
        Accessibility.audit(browser, "the field history");
        browser.notesScreenshots("history");

        open("/profiles/" + newest);
        browser.visible(By.id("export")).click();
        java.nio.file.Path file = browser.downloads.resolve("profilehub-export-" + newest + ".json");
        Awaits.until(Duration.ofSeconds(10), () -> java.nio.file.Files.isRegularFile(file));
        JsonNode export = io.profilehub.support.Api.json(java.nio.file.Files.readString(file));
        assertEquals(newest, export.path("userId").asText());
        assertEquals("pro", export.path("profile").path("traits").path("plan").asText());
    }

    @Test
    void anErasureAVendorRefusedCanBeRetriedAndItsStatusEnds() {
        String id = create("{\"identifiers\":{\"email\":\"e" + UUID.randomUUID() + "@example.com\"}}");
        awaitSync(id, STRICT, "delivered");
        vendor.stubFor(post(urlEqualTo("/strict")).withRequestBody(containing(id)).withRequestBody(containing("erase"))
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"cannot erase yet\"}")));
        assertEquals(202, api().delete("/identify/" + id).status());
        signIn(adminKey);
        open("/erasures/" + id);
        browser.await(d -> d.findElement(By.id("erasure-status")).getText().equals("completed") ? true : null);
        String strict = browser.visible(By.cssSelector("#erasure-destinations tr[data-destination='" + STRICT + "']"))
                .getText();
        assertTrue(strict.contains("dead") && strict.contains("cannot erase yet"), strict);
        assertFalse(browser.driver.findElement(By.tagName("main")).getText().contains("null"), "no stray null");
        Accessibility.audit(browser, "an erasure a vendor refused");
        browser.notesScreenshots("erasure-refused");

        vendor.stubFor(post(urlEqualTo("/strict")).withRequestBody(containing(id)).withRequestBody(containing("erase"))
                .willReturn(aResponse().withStatus(200)));
        browser.driver.findElement(By.cssSelector("[data-retry='" + STRICT + "']")).click();
        browser.await(d -> d.findElement(By.cssSelector("#erasure-destinations tr[data-destination='" + STRICT + "']"))
                .getText().contains("erased") ? true : null);
        browser.await(d -> d.findElement(By.id("erasure-status")).getText().equals("completed") ? true : null);
        assertEquals("completed", api().get("/erasures/" + id).json().path("status").asText());
        assertTrue(browser.driver.findElement(By.id("erasure-live")).getText().contains("completed"));
        assertTrue(browser.driver.findElement(By.id("erasure-following")).getText().isEmpty(), "no longer followed");
        assertFalse(browser.driver.findElement(By.tagName("main")).getText().contains("null"), "no stray null");
    }

    @Test
    void destinationsUpdateInPlaceKeepingTheKeyboardFocus() {
        signIn(adminKey);
        browser.visible(By.linkText("Destinations")).click();
        browser.await(d -> card(CRM).findElements(By.cssSelector(".uplot canvas")).isEmpty() ? null : true);
        String drawn = String.valueOf(browser.driver.findElement(By.id("destinations")).getAttribute("data-refreshes"));
        browser.js("document.querySelector(\"section[data-name='" + CRM + "'] [data-action]\").focus();"
                + "document.querySelector(\"section[data-name='" + CRM + "']\").__seen = true;");
        // The page refreshes every 10 s: wait for the next refresh to have been drawn.
        browser.await(d -> drawn.equals(String.valueOf(d.findElement(By.id("destinations")).getAttribute("data-refreshes")))
                ? null : true);
        assertEquals(true, browser.js("return document.querySelector(\"section[data-name='" + CRM + "']\").__seen === true"),
                "the card was updated, not drawn anew");
        assertEquals("pause", browser.js("return document.activeElement.dataset.action"), "the focus stayed");
        browser.driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ENTER);
        browser.await(d -> "resume".equals(browser.js("return document.activeElement.dataset.action")) ? true : null);
        assertTrue(destination(CRM).get("paused").asBoolean());
        api().post("/sync/destinations/" + CRM + "/resume", "");
        Accessibility.audit(browser, "the destinations");
        browser.notesScreenshots("destinations");
    }

    @Test
    void theErasurePageSpeaksOnlyWhenItsStatusChanges() {
        String id = create("{\"identifiers\":{\"email\":\"l" + UUID.randomUUID() + "@example.com\"}}");
        awaitSync(id, CRM, "delivered");
        api().post("/sync/destinations/" + CRM + "/pause", "");
        try {
            assertEquals(202, api().delete("/identify/" + id).status());
            signIn(adminKey);
            open("/erasures/" + id);
            browser.awaitText(By.id("erasure-status"), "in progress");
            browser.js("window.__changes = 0; const live = document.getElementById('erasure-live'); window.__live = live;"
                    + "new MutationObserver((m) => { window.__changes += m.length; })"
                    + ".observe(document.querySelector('main'), { subtree: true, childList: true, characterData: true });");
            countRequests("/erasures/");
            browser.await(d -> ((Number) browser.js("return window.__requests.length")).intValue() >= 2 ? true : null);
            assertEquals(true, browser.js("return document.getElementById('erasure-live') === window.__live"),
                    "the live region is the same element");
            assertEquals(0L, browser.js("return window.__changes"), "two polls without news changed nothing");
        } finally {
            api().post("/sync/destinations/" + CRM + "/resume", "");
        }
        browser.await(d -> d.findElement(By.id("erasure-status")).getText().equals("completed") ? true : null);
        assertEquals("Erasure completed", browser.driver.findElement(By.id("erasure-live")).getText());
    }

    @Test
    void everyViewPassesTheAccessibilityAuditAtBothSizesWithScrollableRegionsReachable() {
        String id = create("{\"identifiers\":{\"email\":\"w" + UUID.randomUUID() + "@example.com\",\"name\":{\"first\":"
                + "\"A-very-long-first-name-that-does-not-fit\",\"last\":\"And-a-last-name-as-long-as-that-one\"}},"
                + "\"traits\":{\"note\":\"dead-me-" + UUID.randomUUID() + "\"}}");
        awaitSync(id, STRICT, "dead");
        api().delete("/identify/" + create("{\"identifiers\":{\"email\":\"z" + UUID.randomUUID() + "@example.com\"}}"));
        browser.driver.navigate().refresh();
        browser.visible(By.id("api-key"));
        Accessibility.audit(browser, "sign-in");
        signIn(adminKey);
        List<String> views = List.of("/profiles", "/profiles?email=w", "/profiles/" + id, "/profiles/" + id + "/history",
                "/destinations", "/dead-letters", "/erasures", "/keys");
        for (var size : List.of(Browser.DESKTOP, Browser.PHONE)) {
            browser.size(size);
            for (String view : views) {
                open(view);
                browser.await(d -> d.findElements(By.cssSelector("main h1")).isEmpty() ? null : true);
                browser.await(d -> (Boolean) browser.js("return document.querySelectorAll('main .card').length > 0")
                        ? true : null);
                Accessibility.audit(browser, view + " at " + size.width + "x" + size.height);
            }
        }
        browser.size(Browser.DESKTOP);
    }

    @Test
    void theHeaderNamesEveryScopeAndTheKeyFormOffersExport() {
        signIn(adminKey);
        String scopes = browser.driver.findElement(By.id("key-scopes")).getText();
        assertTrue(scopes.contains("read") && scopes.contains("write") && scopes.contains("erase")
                && scopes.contains("export") && scopes.contains("admin"), scopes);
        open("/keys");
        browser.visible(By.cssSelector("input[value='profiles:export']")).click();
        browser.driver.findElement(By.id("key-name")).sendKeys("exporter");
        browser.driver.findElement(By.id("create-key")).click();
        String exporter = browser.visible(By.id("new-key-secret")).getText();
        String someone = create("{\"identifiers\":{\"email\":\"t" + UUID.randomUUID() + "@example.com\"}}");
        assertEquals(200, api().withKey(exporter).get("/identify/" + someone + "/export").status());
    }

    @Test
    void aLongKeyNameKeepsTheRevokeButtonInView() {
        String longName = "k".repeat(200);
        assertEquals(201, api().post("/admin/api-keys", "{\"name\":\"" + longName + "\",\"scopes\":[\"profiles:read\"]}")
                .status());
        signIn(adminKey);
        open("/keys");
        browser.awaitText(By.id("keys"), longName.substring(0, 20));
        Number right = (Number) browser.js("const b = [...document.querySelectorAll('#keys tbody tr')].find((r) => "
                + "r.textContent.includes('" + longName + "')).querySelector('button').getBoundingClientRect();"
                + "return b.right;");
        Number edge = (Number) browser.js("return document.querySelector('#keys').closest('.card').getBoundingClientRect().right");
        assertTrue(right.doubleValue() <= edge.doubleValue(), "Revoke at " + right + " within the card's " + edge);
    }

    @Test
    void dotSegmentsAreNeverSentAndTheIconNeedsNoKey() {
        signIn(adminKey);
        countRequests("/");
        open("/profiles/..");
        browser.awaitText(By.tagName("main"), "not a profile id");
        open("/erasures/..");
        browser.awaitText(By.tagName("main"), "not a profile id");
        List<?> sent = (List<?>) browser.js("return window.__requests");
        assertTrue(sent.stream().noneMatch(u -> u.toString().contains("..") || u.toString().equals("/")), sent.toString());

        assertEquals(204, api().withKey(null).get("/favicon.ico").status());
        assertTrue(browser.driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
                .noneMatch(e -> e.getMessage().contains("favicon")), "no failed icon request");
    }

    @Test
    void timesNameTheirZoneAndADeliveredRowHasOne() {
        String someone = create("{\"identifiers\":{\"email\":\"t" + UUID.randomUUID() + "@example.com\"}}");
        awaitSync(someone, CRM, "delivered");
        signIn(adminKey);
        open("/profiles/" + someone);
        String delivered = browser.visible(By.cssSelector("#sync tr[data-destination='" + CRM + "']")).getText();
        String zone = (String) browser.js("return new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' })"
                + ".formatToParts(new Date()).find((p) => p.type === 'timeZoneName').value");
        assertTrue(delivered.contains("queued") && delivered.contains(zone), delivered);
        String created = browser.driver.findElement(By.cssSelector(".facts time")).getText();
        assertTrue(created.endsWith(zone), created);
    }

    @Test
    void aProfileWithThousandsOfTraitsKeepsItsSyncStateInReach() {
        StringBuilder traits = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            traits.append(i == 0 ? "" : ",").append("\"trait").append(i).append("\":").append(i);
        }
        String many = create("{\"identifiers\":{\"email\":\"m" + UUID.randomUUID() + "@example.com\"},\"traits\":{"
                + traits + "}}");
        signIn(adminKey);
        open("/profiles/" + many);
        browser.visible(By.id("sync"));
        Number syncTop = (Number) browser.js("return document.getElementById('sync').getBoundingClientRect().top");
        assertTrue(syncTop.doubleValue() < 800, "the sync state at " + syncTop + " px");
        Number height = (Number) browser.js("return document.body.scrollHeight");
        assertTrue(height.doubleValue() < 5000, "the page is " + height + " px long");
        browser.driver.findElement(By.cssSelector("[data-show-all='traits']")).click();
        browser.awaitText(By.id("traits"), "trait1999");
    }

    /** Records the path of every request the page makes from now on whose path starts so, in window.__requests. */
    private void countRequests(String prefix) {
        browser.js("window.__requests = []; const f = window.__fetch || window.fetch; window.__fetch = f;"
                + "window.fetch = (url, init) => { if (String(url).startsWith(arguments[0])) { window.__requests.push(String(url)); }"
                + " return f(url, init); };", prefix);
    }

    private void assertNoInvisibleCharacters(String where) {
        assertEquals(false, browser.js("return /[\\p{Cf}]/u.test(document.querySelector('main').textContent)"
                + " || /[\\p{Cf}]/u.test(document.title)"), "an invisible character is drawn on " + where);
    }

    private List<Long> deadLetters(String userId) {
        List<Long> ids = new ArrayList<>();
        for (JsonNode d : api().get("/sync/dead-letters?limit=100&destination=" + STRICT).json().path("data")) {
            if (d.path("userId").asText().equals(userId)) {
                ids.add(d.path("id").asLong());
            }
        }
        return ids;
    }

    private List<Long> awaitDeadLetters(String userId, int count) {
        Awaits.until(Duration.ofSeconds(20), () -> deadLetters(userId).size() == count,
                () -> deadLetters(userId).toString());
        return deadLetters(userId);
    }
}
