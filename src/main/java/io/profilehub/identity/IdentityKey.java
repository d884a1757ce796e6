package io.profilehub.identity;

/** One normalized value of a unique identifier key, as stored in identity_keys. */
public record IdentityKey(String name, String value) {
}
