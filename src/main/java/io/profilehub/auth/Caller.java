package io.profilehub.auth;

import java.util.Set;

/** The authenticated API key behind a request: everything it may touch lives in its workspace. */
public record Caller(String workspaceId, String keyId, Set<String> scopes) {
    public static final String ATTRIBUTE = "profilehub.caller";

    public boolean has(Scope scope) {
        return scopes.contains(scope.value());
    }
}
