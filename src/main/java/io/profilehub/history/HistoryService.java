package io.profilehub.history;

import io.profilehub.destination.ChangeKind;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.http.Timestamps;
import io.profilehub.outbox.HistorySettings;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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

    /** At most {@code limit} entries of the filter, newest first (every one when {@code limit} is 0). */
    public List<Positioned> entries(String workspaceId, String profileId, Filter filter, int limit) {
        Instant keptSince = Instant.now().minus(settings.retention());
        List<Positioned> matching = new ArrayList<>();
        FieldChanges replay = new FieldChanges();
        tx.executeRead(status -> {
            repository.changes(status.getConnection(), workspaceId, profileId,
                    filter.before() == null ? null : filter.before().seq(),
                    filter.until() == null ? null : filter.until().plusMillis(1), row -> {
                        List<FieldChanges.Change> changes = replay.replay(row.version(), row.kind(), row.change());
                        if (changes == null || row.createdAt().isBefore(keptSince)) {
                            return; // older than the retention: replayed for the state, not listed
                        }
                        for (FieldChanges.Change change : changes) {
                            HistoryEntry entry = entry(row, change);
                            if (!filter.matches(entry, row.createdAt())) {
                                continue;
                            }
                            if (filter.before() != null && !filter.before().isBefore(row.seq(), change.path())) {
                                continue;
                            }
                            matching.add(new Positioned(entry, new Position(row.seq(), change.path())));
                        }
                    });
            return null;
        });
        // Replayed oldest first, listed newest first; within one change in path order.
        List<Positioned> newestFirst = new ArrayList<>(matching.size());
        int end = matching.size();
        while (end > 0) {
            int start = end - 1;
            long seq = matching.get(start).position().seq();
            while (start > 0 && matching.get(start - 1).position().seq() == seq) {
                start--;
            }
            newestFirst.addAll(matching.subList(start, end));
            end = start;
            if (limit > 0 && newestFirst.size() >= limit) {
                break;
            }
        }
        return limit > 0 && newestFirst.size() > limit ? newestFirst.subList(0, limit) : newestFirst;
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
