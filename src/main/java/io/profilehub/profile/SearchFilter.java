package io.profilehub.profile;

import io.profilehub.identity.IdentityKey;
import java.util.List;

/**
 * One {@code ?name.path=value} condition on identifiers. A unique top-level key whose value normalizes is matched
 * through identity_keys (any of the keys the text can stand for: the string, and the number it spells);
 * anything else by containment against each JSON value the text can stand for.
 */
public record SearchFilter(String name, String value, List<IdentityKey> uniqueKeys, List<String> containmentDocuments) {
}
