package io.profilehub.destination;

/** Creates the connector of one destination type ("webhook", "ours", ...). */
public interface ConnectorFactory {
    String type();

    Connector create(DestinationSettings settings);
}
