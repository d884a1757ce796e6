package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import io.profilehub.support.VendorFakes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each vendor ({@link VendorFakes#ALL}) receives its erasure as its documents allow, and nothing of the user reaches
 * it afterwards.
 */
@MicronautTest(transactional = false)
class VendorErasureTest extends ServiceTest {
    private static final String TOKEN = "erasure-vendor-token";
    private final WireMockServer fake = new WireMockServer(options().dynamicPort());

    @Override
    protected Map<String, String> extraProperties() {
        fake.start();
        Map<String, String> p = new HashMap<>();
        // Named as their type; serving this workspace, so its admin may pause them.
        VendorFakes.ALL.forEach(vendor -> p.putAll(vendor.config(vendor.type(), fake.baseUrl(), TOKEN, workspace)));
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.max-delay", "200ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "20ms");
        return p;
    }

    @BeforeEach
    void stubs() {
        fake.resetAll();
        for (VendorFakes.Vendor vendor : VendorFakes.ALL) {
            vendor.stubs().accept(fake, TOKEN);
            api().post("/sync/destinations/" + vendor.type() + "/resume", "{}");
        }
    }

    @AfterAll
    void stop() {
        fake.stop();
    }

    @Test
    void eachVendorGetsItsErasureAndTheRecordCompletes() throws Exception {
        String email = "vendor-erase@example.com";
        Api.Response created = api().post("/identify", "{\"identifiers\":{\"email\":\"" + email + "\"},"
                + "\"traits\":{\"firstName\":\"Vera\",\"plan\":\"gold\"}}");
        String id = created.json().get("id").asText();
        Awaits.until(Duration.ofSeconds(40), () -> VendorFakes.ALL.stream()
                .allMatch(vendor -> vendor.upserts(fake, id).size() == 1), this::diagnostics);

        assertEquals(202, api().delete("/identify/" + id).status());
        Awaits.until(Duration.ofSeconds(40), () -> api().get("/erasures/" + id).json().get("status").asText().equals("completed"), this::diagnostics);
        Map<String, JsonNode> byName = new HashMap<>();
        api().get("/erasures/" + id).json().get("destinations").forEach(d -> byName.put(d.get("name").asText(), d));
        assertEquals(VendorFakes.ALL.size(), byName.size(), byName.toString());
        for (VendorFakes.Vendor vendor : VendorFakes.ALL) {
            JsonNode status = byName.get(vendor.type());
            assertEquals(vendor.erasure().status(), status.get("status").asText(), vendor.type() + ": " + status);
            if (vendor.erasure().detail() != null) {
                assertTrue(status.get("detail").asText().contains(vendor.erasure().detail()), vendor.type() + ": " + status);
            }
            vendor.erasure().checkOne().check(fake, vendor, id, email, TOKEN);
        }
        assertEquals(List.of(), ErasureTest.tablesContaining(email));
    }

    @Test
    void usersErasedTogetherAreErasedAsEachVendorAllowsAndNoUpsertFollowsAnErasure() {
        for (VendorFakes.Vendor vendor : VendorFakes.ALL) {
            api().post("/sync/destinations/" + vendor.type() + "/pause", "{}");
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = api().post("/identify", "{\"identifiers\":{\"email\":\"bulk-erase-" + i + "@example.com\"}}")
                    .json().get("id").asText();
            api().post("/identify/" + id, "{\"traits\":{\"late\":true}}");
            ids.add(id);
        }
        ids.forEach(id -> assertEquals(202, api().delete("/identify/" + id).status()));
        for (VendorFakes.Vendor vendor : VendorFakes.ALL) {
            api().post("/sync/destinations/" + vendor.type() + "/resume", "{}");
        }
        Awaits.until(Duration.ofSeconds(40), () -> ids.stream().allMatch(id ->
                api().get("/erasures/" + id).json().get("status").asText().equals("completed")));
        for (VendorFakes.Vendor vendor : VendorFakes.ALL) {
            vendor.erasure().checkMany().check(fake, vendor, ids);
        }
    }

    private String diagnostics() {
        StringBuilder sb = new StringBuilder("\nrequests:\n");
        fake.getAllServeEvents().forEach(e -> sb.append(e.getResponse().getStatus()).append(' ')
                .append(e.getRequest().getUrl().replace(TOKEN, "…")).append('\n'));
        sb.append("destinations: ").append(api().get("/sync/destinations").body()).append('\n');
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("outbox-")) {
                sb.append(t.getName()).append(' ').append(t.getState())
                        .append(stack.length > 2 ? " at " + stack[0] + " < " + stack[1] + " < " + stack[2] : "").append('\n');
            }
        });
        return sb.toString();
    }
}
