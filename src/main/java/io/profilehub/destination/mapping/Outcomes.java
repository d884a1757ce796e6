package io.profilehub.destination.mapping;

import io.profilehub.destination.Outcome;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * The outcomes of one call of a connector, one per item in the order the engine gave, filled in as they become
 * known: an item that needs no request (refused, nothing to send) is settled at once, the others wait in a
 * {@link Batch} that remembers their places, go out together, and have their outcomes put back where they came from.
 */
public final class Outcomes {
    private final Outcome[] outcomes;

    public Outcomes(int size) {
        this.outcomes = new Outcome[size];
    }

    public void settle(int place, Outcome outcome) {
        outcomes[place] = outcome;
    }

    /** A new group of items that wait for one or more requests. */
    public <T> Batch<T> batch() {
        return new Batch<>();
    }

    /** Every outcome, in the engine's order; each place must have been settled. */
    public List<Outcome> list() {
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == null) {
                throw new IllegalStateException("no outcome for item " + i + " of " + outcomes.length);
            }
        }
        return Collections.unmodifiableList(Arrays.asList(outcomes.clone()));
    }

    /** Items waiting for requests, each with its place among the outcomes. */
    public final class Batch<T> {
        private final List<T> items = new ArrayList<>();
        private final List<Integer> places = new ArrayList<>();

        private Batch() {
        }

        public void add(int place, T item) {
            items.add(item);
            places.add(place);
        }

        public List<T> items() {
            return Collections.unmodifiableList(items);
        }

        public boolean isEmpty() {
            return items.isEmpty();
        }

        public int size() {
            return items.size();
        }

        /** The place among the outcomes of the batch's {@code index}-th item. */
        public int place(int index) {
            return places.get(index);
        }

        /** The outcomes of items {@code from}, {@code from + 1}, … of this batch, as one request answered them. */
        public void settle(int from, List<Outcome> sent) {
            for (int k = 0; k < sent.size(); k++) {
                outcomes[places.get(from + k)] = sent.get(k);
            }
        }

        /** One outcome for items {@code from} (inclusive) to {@code to} (exclusive): one request carried them. */
        public void settle(int from, int to, Outcome outcome) {
            for (int k = from; k < to; k++) {
                outcomes[places.get(k)] = outcome;
            }
        }

        /** One request per item. */
        public void settleEach(Function<T, Outcome> send) {
            for (int k = 0; k < items.size(); k++) {
                outcomes[places.get(k)] = send.apply(items.get(k));
            }
        }
    }
}
