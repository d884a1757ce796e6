package io.profilehub.profile;

import java.util.List;

/**
 * One {@code ?name.path=value} condition on identifiers. A unique top-level key whose value normalizes is matched
 * through identity_keys; anything else by containment against each JSON value the text can stand for.
 */
public record SearchFilter(String name, String value, IdentityKey uniqueKey, List<String> containmentDocuments) {
}
