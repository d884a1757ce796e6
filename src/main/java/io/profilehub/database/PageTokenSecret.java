package io.profilehub.database;

import io.profilehub.http.PageTokenKey;
import jakarta.inject.Singleton;

/** Page tokens are signed with a server secret, so a token issued by one instance is honoured by the others. */
@Singleton
public class PageTokenSecret implements PageTokenKey {
    private final ServerSecrets secrets;

    public PageTokenSecret(ServerSecrets secrets) {
        this.secrets = secrets;
    }

    @Override
    public byte[] pageTokenKey() {
        return secrets.get("page-token");
    }
}
