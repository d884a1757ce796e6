package io.profilehub.operations;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.server.netty.configuration.NettyHttpServerConfiguration;
import io.micronaut.http.server.netty.configuration.NettyHttpServerConfiguration.NettyListenerConfiguration;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Puts the API listener before the management one, and binds it where {@code micronaut.server.host} says.
 * The server reports its first listener's port as its own ({@code EmbeddedServer.getPort()}, the start-up line), and
 * listeners bound from configuration come in no fixed order: without this, the reported port was sometimes the
 * management port. Once listeners are configured Micronaut no longer reads {@code micronaut.server.host}, yet that
 * is the documented key (and the one the embedded first run sets to keep the API on loopback), so it is carried over
 * to the API listener unless that listener names a host of its own.
 */
@Singleton
class ApiListenerFirst implements BeanCreatedEventListener<NettyHttpServerConfiguration> {
    @Override
    public NettyHttpServerConfiguration onCreated(BeanCreatedEvent<NettyHttpServerConfiguration> event) {
        NettyHttpServerConfiguration configuration = event.getBean();
        if (configuration.getListeners() != null) {
            List<NettyListenerConfiguration> ordered = new ArrayList<>(configuration.getListeners());
            ordered.sort(Comparator.comparing(listener -> !listener.isExposeDefaultRoutes()));
            configuration.getHost().ifPresent(host -> ordered.stream()
                    .filter(listener -> listener.isExposeDefaultRoutes() && listener.getHost() == null)
                    .forEach(listener -> listener.setHost(host)));
            configuration.setListeners(ordered);
        }
        return configuration;
    }
}
