package io.profilehub.destination;

import java.net.URI;
import java.util.Map;
import java.util.Set;

/** Creates the connector of one destination type ("webhook", "ours", ...). */
public interface ConnectorFactory {
    String type();

    /**
     * The option keys this type takes besides the common ones; a key ending in '.' admits every key under it
     * ({@code mapping.traits.}). Any other key stops start-up, naming it.
     */
    Set<String> options();

    Connector create(DestinationSettings settings);

    /**
     * Whether destinations of this type are HTTP endpoints, which take the common {@code url} and {@code token}
     * (both required). A type that is not ({@code kafka}) names where it sends in options of its own, refuses url and
     * token, and gives its {@link #address}.
     */
    default boolean http() {
        return true;
    }

    /**
     * Where a destination of a type that is not HTTP sends, from its options, shown where others show their url;
     * a missing or unusable option stops start-up with a message naming {@code key}.{@code <option>}.
     */
    default URI address(String key, Map<String, Object> options) {
        throw new UnsupportedOperationException(type() + " destinations have a url");
    }
}
