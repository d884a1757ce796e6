package io.profilehub.destination;

import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** One connector per configured destination, built once from its settings and its type's factory. */
@Singleton
public class ConnectorRegistry {
    private final Map<String, Connector> byName = new LinkedHashMap<>();

    public ConnectorRegistry(Destinations destinations, List<ConnectorFactory> factories) {
        Map<String, ConnectorFactory> byType = factories.stream()
                .collect(Collectors.toMap(ConnectorFactory::type, Function.identity()));
        for (DestinationSettings settings : destinations.all()) {
            byName.put(settings.name(), byType.get(settings.type()).create(settings));
        }
    }

    public Optional<Connector> get(String destination) {
        return Optional.ofNullable(byName.get(destination));
    }
}
