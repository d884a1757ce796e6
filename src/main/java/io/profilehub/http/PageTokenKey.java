package io.profilehub.http;

/**
 * The key page tokens are signed with. Every instance must share it, so it lives in the database
 * ({@code database/PageTokenSecret}); http/ only asks for it.
 */
@FunctionalInterface
public interface PageTokenKey {
    byte[] pageTokenKey();
}
