package io.profilehub.support;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Configuration of webhook destinations for tests that make vendors fail and want the outcome soon. */
public final class WebhookDestinations {
    private WebhookDestinations() {
    }

    /**
     * One webhook destination per name, each at {@code baseUrl/<name>} with {@code token}, serving {@code workspace}
     * alone (the change log holds every test class's changes: a destination for all workspaces would also get those
     * of the classes before), retried after 50–60 ms and dead-lettered after {@code maxAttempts}. The map is mutable,
     * for a test's further settings.
     */
    public static Map<String, String> retryingQuickly(String baseUrl, String token, List<String> names,
                                                      int maxAttempts, String workspace) {
        Map<String, String> p = new HashMap<>();
        for (String name : names) {
            p.put("profilehub.destinations." + name + ".workspaces", workspace);
            p.put("profilehub.destinations." + name + ".type", "webhook");
            p.put("profilehub.destinations." + name + ".url", baseUrl + "/" + name);
            p.put("profilehub.destinations." + name + ".token", token);
        }
        p.put("profilehub.outbox.retry.initial-delay", "50ms");
        p.put("profilehub.outbox.retry.jitter-min", "0ms");
        p.put("profilehub.outbox.retry.jitter-max", "10ms");
        p.put("profilehub.outbox.retry.max-attempts", Integer.toString(maxAttempts));
        return p;
    }
}
