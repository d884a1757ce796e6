package io.profilehub.auth;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bound entries of profilehub.bootstrap.keys (the start-up itself: StartupKeyPolicyTest, AuthApiTest). */
class BootstrapKeysTest {

    @Test
    void scopesGivenAsOneCommaSeparatedStringAreSplitAndAListIsKept() {
        assertEquals(List.of("profiles:read", "profiles:write"),
                new BootstrapKeys.Key("w", "k", List.of("profiles:read, profiles:write")).scopes());
        assertEquals(List.of("profiles:read", "admin"),
                new BootstrapKeys.Key("w", "k", List.of(" profiles:read", "admin ")).scopes());
        assertEquals(List.of(), new BootstrapKeys.Key("w", "k", null).scopes(), "absent: every scope, decided later");
        assertEquals(List.of(), new BootstrapKeys.Key("w", "k", List.of(" , ")).scopes());
    }
}
