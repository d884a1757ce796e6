package io.profilehub.auth;

import io.profilehub.http.Timestamps;

import java.util.List;
import java.util.TreeSet;

/** An API key as listed: never its secret, which only the answer that issued it holds ({@link CreatedApiKey}). */
public record ApiKeyView(String id, String name, String workspaceId, List<String> scopes, String createdAt) {

    static ApiKeyView of(ApiKey key) {
        return new ApiKeyView(key.id(), key.name(), key.workspaceId(), List.copyOf(new TreeSet<>(key.scopeSet())),
                Timestamps.iso(key.createdAt()));
    }
}
