package io.profilehub.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.profilehub.support.Api;
import org.junit.jupiter.api.Assertions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The automated accessibility audit: axe-core (pinned: the axe.min.js that com.deque.html.axe-core:selenium ships,
 * a test dependency, so Maven alone brings it) run in the page as it is, failing on any serious or critical
 * violation. The script goes in through WebDriver, which the console's Content-Security-Policy does not restrict.
 */
final class Accessibility {
    private static final String AXE = "/axe.min.js";
    private static String script;

    private Accessibility() {
    }

    private static synchronized String script() {
        if (script == null) {
            try (InputStream in = Accessibility.class.getResourceAsStream(AXE)) {
                if (in == null) {
                    Assertions.fail("axe-core's " + AXE + " is not on the test classpath (com.deque.html.axe-core:selenium)");
                }
                script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return script;
    }

    /** Fails naming each serious or critical violation on the page as it is now, with the elements concerned. */
    static void audit(Browser browser, String view) {
        if (!(Boolean) browser.js("return typeof window.axe === 'object'")) {
            browser.js(script());
        }
        Object result = browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, { resultTypes: ['violations'] })
                  .then((r) => done(JSON.stringify(r.violations)))
                  .catch((e) => done(JSON.stringify([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }])));
                """);
        List<String> found = new ArrayList<>();
        for (JsonNode v : Api.json((String) result)) {
            String impact = v.path("impact").asText();
            if (impact.equals("serious") || impact.equals("critical")) {
                List<String> targets = new ArrayList<>();
                v.path("nodes").forEach(n -> targets.add(n.path("target").toString()));
                found.add(impact + " " + v.path("id").asText() + ": " + v.path("help").asText() + " " + targets);
            }
        }
        Assertions.assertEquals(List.of(), found, "accessibility violations on " + view);
    }
}
