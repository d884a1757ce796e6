package io.profilehub.destination;

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
}
