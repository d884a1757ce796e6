package io.profilehub.destination;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One configured destination ({@code profilehub.destinations.<name>}). {@code options} holds the type-specific keys.
 * The token is a secret: it is never part of toString, logs or status output (null for types that take none, such as
 * kafka, whose url is the address its factory gives).
 */
public record DestinationSettings(String name, String type, URI url, String token, boolean enabled,
                                  List<String> workspaces, int concurrency, Double rateLimit, Duration timeout,
                                  Integer batchSize, Map<String, Object> options) {

    public boolean servesWorkspace(String workspaceId) {
        return enabled && (workspaces.isEmpty() || workspaces.contains(workspaceId));
    }

    @Override
    public String toString() {
        return "Destination[" + name + ", type=" + type + ", url=" + url + "]";
    }
}
