package io.profilehub.auth;

import java.util.List;

/** The answer of {@code POST /admin/api-keys}: the new key with its secret, shown this once. */
public record CreatedApiKey(String id, String name, String workspaceId, List<String> scopes, String createdAt,
                            String key) {

    static CreatedApiKey of(ApiKeys.IssuedKey issued) {
        ApiKeyView view = ApiKeyView.of(issued.stored());
        return new CreatedApiKey(view.id(), view.name(), view.workspaceId(), view.scopes(), view.createdAt(),
                issued.secret());
    }
}
