package io.profilehub.export;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.DefaultTransactionDefinition;
import io.profilehub.destination.Destinations;
import io.profilehub.history.HistoryService;
import io.profilehub.http.Timestamps;
import io.profilehub.outbox.HistorySettings;
import io.profilehub.profile.Profile;
import io.profilehub.profile.ProfileService;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * Writes a person's subject-access export from one snapshot of the database, as it reads it: the history is replayed
 * change by change and each change's entries are written at once, the deliveries row by row, so an export costs
 * memory for the profile's state and a pipe's buffer, not for the profile's past (a profile with hundreds of
 * thousands of history entries once took the heap with it). The document is written on a thread of the I/O pool
 * into a pipe the HTTP response reads from.
 */
@Singleton
public class ExportService {
    private static final Logger LOG = LoggerFactory.getLogger(ExportService.class);
    private static final TransactionDefinition SNAPSHOT;
    /* What the writer may be ahead of the client: the export's whole memory beside the replayed state. */
    private static final int PIPE_BYTES = 64 * 1024;

    static {
        // One snapshot for every part, so the profile's version, its history and its deliveries agree.
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
        definition.setReadOnly(true);
        definition.setIsolationLevel(TransactionDefinition.Isolation.REPEATABLE_READ);
        definition.setName("subject-access export");
        SNAPSHOT = definition;
    }

    private final TransactionOperations<Connection> tx;
    private final ProfileService profiles;
    private final HistoryService history;
    private final HistorySettings historySettings;
    private final ExportRepository repository;
    private final Destinations destinationsConfig;
    private final ObjectMapper mapper;
    private final ExecutorService writers;

    public ExportService(TransactionOperations<Connection> tx, ProfileService profiles, HistoryService history,
                         HistorySettings historySettings, ExportRepository repository,
                         Destinations destinationsConfig, ObjectMapper mapper,
                         @Named(TaskExecutors.IO) ExecutorService writers) {
        this.destinationsConfig = destinationsConfig;
        this.tx = tx;
        this.profiles = profiles;
        this.history = history;
        this.historySettings = historySettings;
        this.repository = repository;
        this.mapper = mapper;
        this.writers = writers;
    }

    /**
     * The export as a stream of JSON, written while it is read; empty when the workspace has no profile with this
     * id. Whether the profile exists is known before anything is answered (the writer's snapshot says so first).
     */
    public Optional<InputStream> export(String workspaceId, String profileId) {
        PipedInputStream in = new PipedInputStream(PIPE_BYTES);
        PipedOutputStream pipe;
        try {
            pipe = new PipedOutputStream(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Boolean> found = new CompletableFuture<>();
        writers.execute(() -> {
            try (OutputStream out = new BufferedOutputStream(pipe, 8192)) {
                tx.execute(SNAPSHOT, status -> {
                    Optional<Profile> profile = profiles.get(workspaceId, profileId);
                    found.complete(profile.isPresent());
                    if (profile.isPresent()) {
                        write(status.getConnection(), workspaceId, profileId, profile.get(), out);
                    }
                    return null;
                });
            } catch (Throwable t) {
                if (!found.completeExceptionally(t)) {
                    // The answer has begun: the client sees the document cut short (the connection ends).
                    LOG.warn("Export of a profile failed while it was written: {}", t.getClass().getName());
                }
            }
        });
        try {
            if (found.join()) {
                return Optional.of(in);
            }
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
        return Optional.empty();
    }

    private void write(Connection c, String workspaceId, String profileId, Profile profile, OutputStream out)
            throws IOException, SQLException {
        try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("userId", profileId);
            json.writeStringField("workspaceId", workspaceId);
            json.writeStringField("exportedAt", Timestamps.iso(Instant.now()));
            json.writeObjectField("profile", profile);
            json.writeObjectFieldStart("history");
            json.writeStringField("retention", iso(historySettings.retention()));
            json.writeStringField("keptSince", Timestamps.iso(history.keptSince()));
            json.writeArrayFieldStart("entries");
            history.replay(workspaceId, profileId, HistoryService.Filter.ALL, (seq, entries) -> {
                for (HistoryService.Positioned entry : entries) {
                    json.writeObject(entry.entry());
                }
            });
            json.writeEndArray();
            json.writeEndObject();
            json.writeArrayFieldStart("merges");
            for (ExportRepository.Merge m : repository.merges(c, workspaceId, profileId)) {
                json.writeObject(new SubjectAccessExport.Merge(m.id(), m.survivorId().equals(profileId) ? "survivor"
                        : "absorbed", m.survivorId(), m.absorbedId(), m.status(), Timestamps.iso(m.createdAt()),
                        Timestamps.iso(m.undoneAt())));
            }
            json.writeEndArray();
            json.writeArrayFieldStart("destinations");
            destinations(c, workspaceId, profileId, json);
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    /** ISO-8601 in days where it is whole days (P90D), as Duration writes it otherwise (PT36H). */
    private static String iso(java.time.Duration d) {
        return d.toSeconds() % 86_400 == 0 && d.getNano() == 0 ? "P" + d.toDays() + "D" : d.toString();
    }

    /**
     * Per destination: its changes as read (destination, then log order), then its failed attempts; then the
     * destinations with failed attempts only.
     */
    private void destinations(Connection c, String workspaceId, String profileId, JsonGenerator json)
            throws IOException, SQLException {
        // Cursors exist for every destination ever configured, whichever workspaces it serves: only the ones that
        // serve this workspace have been sent its people's data (as GET /identify/{id}/sync shows).
        Set<String> serving = Set.copyOf(destinationsConfig.namesFor(workspaceId));
        Set<String> written = new HashSet<>();
        String[] open = {null};
        repository.sent(c, workspaceId, profileId, s -> {
            if (!serving.contains(s.destination())) {
                return;
            }
            if (!s.destination().equals(open[0])) {
                if (open[0] != null) {
                    endDestination(c, workspaceId, profileId, open[0], json);
                }
                open[0] = s.destination();
                written.add(s.destination());
                json.writeStartObject();
                json.writeStringField("name", s.destination());
                json.writeArrayFieldStart("changes");
            }
            String outcome = s.status().equals("in_flight") ? "pending" : s.status();
            int attempts = s.failedAttempts() + (outcome.equals("delivered") ? 1 : 0);
            json.writeObject(new SubjectAccessExport.Sent(s.version(), s.kind(), outcome, attempts,
                    Timestamps.iso(s.queuedAt()), Timestamps.iso(s.deadAt())));
        });
        if (open[0] != null) {
            endDestination(c, workspaceId, profileId, open[0], json);
        }
        String[] failedOnly = {null};
        repository.failures(c, workspaceId, profileId, null, f -> {
            if (!serving.contains(f.destination()) || written.contains(f.destination())) {
                return;
            }
            if (!f.destination().equals(failedOnly[0])) {
                if (failedOnly[0] != null) {
                    json.writeEndArray();
                    json.writeEndObject();
                }
                failedOnly[0] = f.destination();
                json.writeStartObject();
                json.writeStringField("name", f.destination());
                json.writeArrayFieldStart("changes");
                json.writeEndArray();
                json.writeArrayFieldStart("failedAttempts");
            }
            json.writeObject(failure(f));
        });
        if (failedOnly[0] != null) {
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    /** Closes a destination's changes and writes its failed attempts. */
    private void endDestination(Connection c, String workspaceId, String profileId, String destination,
                                JsonGenerator json) throws IOException {
        json.writeEndArray();
        json.writeArrayFieldStart("failedAttempts");
        try {
            repository.failures(c, workspaceId, profileId, destination, f -> json.writeObject(failure(f)));
        } catch (SQLException e) {
            throw new IOException(e);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static SubjectAccessExport.Failure failure(ExportRepository.Failure f) {
        return new SubjectAccessExport.Failure(f.firstVersion(), f.lastVersion(), f.httpStatus(),
                Timestamps.iso(f.failedAt()));
    }
}
