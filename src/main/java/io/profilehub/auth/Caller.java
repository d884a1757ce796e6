package io.profilehub.auth;

import java.util.Set;

/**
 * The authenticated API key behind a request: everything it may touch lives in its workspace. {@code keyName} is
 * the key's name as issued (bootstrap keys are named too), recorded with each change it causes.
 */
public record Caller(String workspaceId, String keyId, String keyName, Set<String> scopes) {
    public static final String ATTRIBUTE = "profilehub.caller";

    public boolean has(Scope scope) {
        return scopes.contains(scope.value());
    }
}
