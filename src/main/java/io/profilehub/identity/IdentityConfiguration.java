package io.profilehub.identity;

import io.micronaut.context.annotation.ConfigurationProperties;

import java.util.List;

@ConfigurationProperties("profilehub.identity")
public record IdentityConfiguration(List<String> uniqueKeys, List<String> caseInsensitiveKeys,
                                    List<String> junkValues) {
    public IdentityConfiguration {
        uniqueKeys = uniqueKeys == null ? List.of() : List.copyOf(uniqueKeys);
        caseInsensitiveKeys = caseInsensitiveKeys == null ? List.of() : List.copyOf(caseInsensitiveKeys);
        junkValues = junkValues == null ? List.of() : List.copyOf(junkValues);
    }
}
