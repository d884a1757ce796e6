package io.profilehub.history;

import io.profilehub.destination.ChangeKind;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.http.Timestamps;
import io.profilehub.outbox.HistorySettings;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Field history, served from the change log: each write already appends the profile's change there, so history
 * costs a write nothing beyond the cause and source columns (bench/README.md "Field history"). Entries are newest
 * first: by change, newest first, and within one change by field path.
 */
@Singleton
public class HistoryService {
    private final TransactionOperations<Connection> tx;
    private final HistoryRepository repository;
    private final HistorySettings settings;

    HistoryService(TransactionOperations<Connection> tx, HistoryRepository repository, HistorySettings settings) {
        this.tx = tx;
        this.repository = repository;
        this.settings = settings;
    }

    /**
     * Which entries to list. {@code field}: a dot path; it selects that path, its sub-paths, and changes that
     * replaced a whole value containing it. {@code since}/{@code until}: inclusive bounds of the change time.
     * {@code before}: only entries after this position in newest-first order (a page token's), or null.
     */
    public record Filter(String field, Instant since, Instant until, Position before) {
        public static final Filter ALL = new Filter(null, null, null, null);

        boolean matches(HistoryEntry entry, Instant at) {
            // compared as shown (milliseconds), so an entry's own time bounds a query that includes it
            Instant shown = at.truncatedTo(ChronoUnit.MILLIS);
            if (since != null && shown.isBefore(since) || until != null && shown.isAfter(until)) {
                return false;
            }
            return field == null || entry.field().equals(field) || entry.field().startsWith(field + ".")
                    || field.startsWith(entry.field() + ".");
        }
    }

    /** An entry's place in the listing: its change's number in the lane, and its field path. */
    public record Position(long seq, String field) {
        boolean isBefore(long otherSeq, String otherField) {
            return seq > otherSeq || seq == otherSeq && field.compareTo(otherField) < 0;
        }
    }

    /** An entry and its position, for the next page's token. */
    public record Positioned(HistoryEntry entry, Position position) {
    }

    /**
     * At most {@code limit} (at least 1) entries of the filter, newest first.
     *
     * <p>The changes are replayed oldest first (an entry's old value is the state before its change), but only what
     * may still be on the page is kept: the newest changes' entries, as many as the page takes, each change's cut at
     * the page size (its entries are listed in path order). So a page costs memory for the page and the profile's
     * state, whatever the number of changes behind it (bench/README.md "History and export memory").
     */
    public List<Positioned> entries(String workspaceId, String profileId, Filter filter, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a page holds at least one entry");
        }
        Deque<List<Positioned>> newest = new ArrayDeque<>();
        int[] kept = {0};
        replay(workspaceId, profileId, filter, (seq, entries) -> {
            List<Positioned> group = entries.size() > limit ? new ArrayList<>(entries.subList(0, limit)) : entries;
            newest.addLast(group);
            kept[0] += group.size();
            while (kept[0] - newest.peekFirst().size() >= limit) {
                kept[0] -= newest.removeFirst().size();
            }
        });
        List<Positioned> newestFirst = new ArrayList<>(Math.min(kept[0], limit));
        for (Iterator<List<Positioned>> groups = newest.descendingIterator(); groups.hasNext()
                && newestFirst.size() < limit; ) {
            newestFirst.addAll(groups.next());
        }
        return newestFirst.size() > limit ? newestFirst.subList(0, limit) : newestFirst;
    }

    /** One change's entries of the filter, in path order. */
    @FunctionalInterface
    public interface ChangeEntries {
        void accept(long seq, List<Positioned> entries) throws java.io.IOException;
    }

    /**
     * Every entry of the filter, oldest change first (each change's entries in path order), handed over change by
     * change as the log is read: nothing but the profile's replayed state is held, so a caller that writes them out
     * as they come (the export) costs no memory for the profile's past. Runs in the caller's transaction if it has
     * one.
     */
    public void replay(String workspaceId, String profileId, Filter filter, ChangeEntries into) {
        Instant keptSince = Instant.now().minus(settings.retention());
        FieldChanges replay = new FieldChanges();
        tx.executeRead(status -> {
            repository.changes(status.getConnection(), workspaceId, profileId,
                    filter.before() == null ? null : filter.before().seq(),
                    filter.until() == null ? null : filter.until().plusMillis(1), row -> {
                        List<FieldChanges.Change> changes = replay.replay(row.version(), row.kind(), row.change());
                        if (changes == null || row.createdAt().isBefore(keptSince)) {
                            return; // older than the retention: replayed for the state, not listed
                        }
                        List<Positioned> entries = new ArrayList<>();
                        for (FieldChanges.Change change : changes) {
                            HistoryEntry entry = entry(row, change);
                            if (!filter.matches(entry, row.createdAt())) {
                                continue;
                            }
                            if (filter.before() != null && !filter.before().isBefore(row.seq(), change.path())) {
                                continue;
                            }
                            entries.add(new Positioned(entry, new Position(row.seq(), change.path())));
                        }
                        if (!entries.isEmpty()) {
                            try {
                                into.accept(row.seq(), entries);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    });
            return null;
        });
    }

    /** How far back history goes from now. */
    public Instant keptSince() {
        return Instant.now().minus(settings.retention());
    }

    private static HistoryEntry entry(HistoryRepository.Row row, FieldChanges.Change change) {
        return new HistoryEntry(change.path(), change.oldValue(), change.oldKnown(), change.newValue(), row.version(),
                Timestamps.iso(row.createdAt()), cause(row),
                new HistoryEntry.Source(row.keyId(), row.keyName(), row.label()));
    }

    /** Rows written before V19 have no cause: a create document says so, an erasure is a delete. */
    private static String cause(HistoryRepository.Row row) {
        if (row.cause() != null) {
            return row.cause();
        }
        if (ChangeKind.DELETE.value().equals(row.kind())) {
            return "erasure";
        }
        return row.change().path("created").asBoolean(false) ? "create" : "update";
    }
}
