package io.profilehub.console;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Swagger UI's "Try it out" on {@code GET /identify}, as a newcomer clicks it: the filters field used to be
 * pre-filled with {@code additionalProp1..3=string}, so Execute searched for those and found nothing.
 */
@MicronautTest(transactional = false)
class SwaggerTryItOutTest extends ServiceTest {
    private Browser browser;

    @BeforeAll
    void startBrowser() {
        browser = Browser.start();
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void tryItOutOnSearchExecutesAndFindsProfiles() {
        String id = api().post("/identify", "{\"identifiers\":{\"email\":\"swagger@example.com\"}}").json()
                .get("id").asText();
        browser.driver.get(server.getURI().resolve("/docs/#/profiles/searchProfiles").toString());
        WebElement operation = browser.visible(By.id("operations-profiles-searchProfiles"));
        browser.js("window.ui.preauthorizeApiKey('bearerAuth', arguments[0])", adminKey);
        operation.findElement(By.cssSelector("button.try-out__btn")).click();
        WebElement filters = browser.visible(By.cssSelector(
                "#operations-profiles-searchProfiles tr[data-param-name='filters'] textarea"));
        assertFalse(filters.getAttribute("value").contains("additionalProp"), filters.getAttribute("value"));
        operation.findElement(By.cssSelector("button.execute")).click();

        WebElement url = browser.visible(By.cssSelector("#operations-profiles-searchProfiles .request-url pre"));
        assertEquals(server.getURI().resolve("/identify?limit=50").toString(), url.getText().trim());
        // The server's answer, shown under "Responses": the page of profiles, holding the one just created.
        browser.awaitText(By.cssSelector("#operations-profiles-searchProfiles .live-responses-table"), id);
        browser.screenshot("swagger-try-it-out-search");
    }
}
