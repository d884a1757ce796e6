package io.profilehub.destination.mapping;

import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.Outcome;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The common frame of the vendor connectors: deletes go to {@link #erase}, upserts are resolved into
 * {@link ProfileChange}s and the ready ones go to {@link #deliver} together, and the outcomes are put back in the
 * order the engine gave.
 */
public abstract class ChangeConnector implements Connector {
    private final ProfileChanges changes;

    protected ChangeConnector(ProfileChanges changes) {
        this.changes = changes;
    }

    @Override
    public final List<Outcome> send(List<Delivery> deliveries) {
        Outcome[] outcomes = new Outcome[deliveries.size()];
        List<Delivery> upserts = new ArrayList<>();
        List<Integer> upsertAt = new ArrayList<>();
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery d = deliveries.get(i);
            if (d.isDelete()) {
                outcomes[i] = erase(d);
            } else {
                upserts.add(d);
                upsertAt.add(i);
            }
        }
        List<ProfileChanges.Resolved> resolved = changes.resolve(upserts);
        List<ProfileChange> ready = new ArrayList<>();
        List<Integer> readyAt = new ArrayList<>();
        for (int i = 0; i < resolved.size(); i++) {
            ProfileChanges.Resolved r = resolved.get(i);
            if (r.outcome() != null) {
                outcomes[upsertAt.get(i)] = r.outcome();
            } else {
                ready.add(r.change());
                readyAt.add(upsertAt.get(i));
            }
        }
        if (!ready.isEmpty()) {
            List<Outcome> sent = deliver(ready);
            for (int i = 0; i < ready.size(); i++) {
                outcomes[readyAt.get(i)] = sent.get(i);
            }
        }
        return Arrays.asList(outcomes);
    }

    /** Sends the changes; one outcome per change, in order. Never throws for I/O. */
    protected abstract List<Outcome> deliver(List<ProfileChange> changes);

    /** Where profile deletion (erasure) will go; until then the event is dead-lettered for a later replay. */
    protected abstract Outcome erase(Delivery delivery);
}
