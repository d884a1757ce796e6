package io.profilehub.sync;

import io.profilehub.outbox.DestinationStateRepository;
import io.micronaut.management.endpoint.annotation.Endpoint;
import io.micronaut.management.endpoint.annotation.Read;
import io.micronaut.management.endpoint.annotation.Selector;
import io.micronaut.management.endpoint.annotation.Write;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Destinations;
import io.profilehub.http.ProblemException;
import io.profilehub.http.Timestamps;

import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's view of every destination, across workspaces, and pausing or resuming one for all of them
 * ({@code GET /destinations}, {@code POST /destinations/{name}/pause|resume}). A management endpoint: it answers on
 * the management port only, which is bound to loopback unless configured otherwise, and takes no API key.
 */
@Endpoint(id = "destinations", defaultSensitive = false)
public class DestinationsEndpoint {
    private final TransactionOperations<Connection> tx;
    private final DestinationStateRepository states;
    private final Destinations destinations;
    private final SyncService sync;

    public DestinationsEndpoint(TransactionOperations<Connection> tx, DestinationStateRepository states,
                                Destinations destinations, SyncService sync) {
        this.tx = tx;
        this.states = states;
        this.destinations = destinations;
        this.sync = sync;
    }

    @Read
    public OperatorDestinationView.Listed list() {
        return new OperatorDestinationView.Listed(views(null));
    }

    @Write
    public OperatorDestinationView change(@Selector String name, @Selector String action) {
        DestinationSettings settings = destinations.get(name).orElseThrow(() ->
                ProblemException.notFound("No destination named '" + name + "' is configured."));
        switch (action) {
            case "pause" -> sync.setPausedByOperator(settings.name(), true);
            case "resume" -> sync.setPausedByOperator(settings.name(), false);
            default -> throw ProblemException.notFound("'" + action.replace('\u0000', '?')
                    + "' is not an action; use POST /destinations/" + name + "/pause or /resume.");
        }
        return views(name).get(0);
    }

    private List<OperatorDestinationView> views(String only) {
        var stateByName = tx.executeRead(s -> states.readAll(s.getConnection()));
        var errorsByName = tx.executeRead(s -> states.allLastErrors(s.getConnection(), null));
        List<OperatorDestinationView> views = new ArrayList<>();
        for (DestinationSettings d : destinations.all()) {
            if (only != null && !only.equals(d.name())) {
                continue;
            }
            DestinationStateRepository.State state = stateByName.getOrDefault(d.name(),
                    DestinationStateRepository.State.NONE);
            Map<String, OperatorDestinationView.Error> errors = new LinkedHashMap<>();
            errorsByName.getOrDefault(d.name(), Map.of()).forEach((workspace, error) ->
                    errors.put(workspace, new OperatorDestinationView.Error(error.error(), iso(error.at()))));
            views.add(new OperatorDestinationView(d.name(), d.type(), d.url().toString(), d.enabled(),
                    d.workspaces().isEmpty() ? null : d.workspaces(), state.paused(), state.pausedReason(),
                    iso(state.pausedAt()), errors));
        }
        return views;
    }

    private static String iso(Instant instant) {
        // README's one format for every timestamp: UTC, three fractional digits (Instant.toString gives six here).
        return Timestamps.iso(instant);
    }
}
