package io.profilehub.sync;

import java.util.List;
import java.util.Map;

/**
 * A destination as the operator sees it on the management port, across workspaces: {@code workspaces} is null
 * when it serves every workspace, {@code lastErrors} the last error per workspace.
 */
public record OperatorDestinationView(String name, String type, String url, boolean enabled, List<String> workspaces,
                                      boolean paused, String pausedReason, String pausedAt,
                                      Map<String, Error> lastErrors) {

    public record Error(String error, String at) {
    }

    /** The answer of {@code GET /destinations}. */
    public record Listed(List<OperatorDestinationView> data) {
    }
}
