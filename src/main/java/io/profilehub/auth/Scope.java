package io.profilehub.auth;

import java.util.Arrays;
import java.util.Optional;

public enum Scope {
    PROFILES_READ("profiles:read"),
    PROFILES_WRITE("profiles:write"),
    PROFILES_DELETE("profiles:delete"),
    /** GET /identify/{id}/export: everything held about one person (GDPR articles 15 and 20). */
    PROFILES_EXPORT("profiles:export"),
    ADMIN("admin");

    private final String value;

    Scope(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    public static Optional<Scope> of(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst();
    }
}
