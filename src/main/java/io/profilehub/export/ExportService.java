package io.profilehub.export;

import io.profilehub.destination.Destinations;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.DefaultTransactionDefinition;
import io.profilehub.history.HistoryService;
import io.profilehub.http.Timestamps;
import io.profilehub.outbox.HistorySettings;
import io.profilehub.profile.Profile;
import io.profilehub.profile.ProfileService;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds a person's subject-access export from one snapshot of the database. */
@Singleton
public class ExportService {
    private static final TransactionDefinition SNAPSHOT;

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

    public ExportService(TransactionOperations<Connection> tx, ProfileService profiles, HistoryService history,
                         HistorySettings historySettings, ExportRepository repository,
                         Destinations destinationsConfig) {
        this.destinationsConfig = destinationsConfig;
        this.tx = tx;
        this.profiles = profiles;
        this.history = history;
        this.historySettings = historySettings;
        this.repository = repository;
    }

    /** Empty when the workspace has no profile with this id. */
    public Optional<SubjectAccessExport> export(String workspaceId, String profileId) {
        return tx.execute(SNAPSHOT, status -> {
            Connection c = status.getConnection();
            Optional<Profile> profile = profiles.get(workspaceId, profileId);
            if (profile.isEmpty()) {
                return Optional.empty();
            }
            Instant keptSince = history.keptSince();
            var entries = history.entries(workspaceId, profileId, HistoryService.Filter.ALL, 0).stream()
                    .map(HistoryService.Positioned::entry).toList();
            List<SubjectAccessExport.Merge> merges = repository.merges(c, workspaceId, profileId).stream()
                    .map(m -> new SubjectAccessExport.Merge(m.id(), m.survivorId().equals(profileId) ? "survivor"
                            : "absorbed", m.survivorId(), m.absorbedId(), m.status(), Timestamps.iso(m.createdAt()),
                            Timestamps.iso(m.undoneAt())))
                    .toList();
            return Optional.of(new SubjectAccessExport(profileId, workspaceId, Timestamps.iso(Instant.now()),
                    profile.get(), new SubjectAccessExport.History(iso(historySettings.retention()),
                    Timestamps.iso(keptSince), entries), merges, destinations(c, workspaceId, profileId)));
        });
    }

    /** ISO-8601 in days where it is whole days (P90D), as Duration writes it otherwise (PT36H). */
    private static String iso(java.time.Duration d) {
        return d.toSeconds() % 86_400 == 0 && d.getNano() == 0 ? "P" + d.toDays() + "D" : d.toString();
    }

    private List<SubjectAccessExport.Destination> destinations(Connection c, String workspaceId, String profileId)
            throws java.sql.SQLException {
        // Cursors exist for every destination ever configured, whichever workspaces it serves: only the ones that
        // serve this workspace have been sent its people's data (as GET /identify/{id}/sync shows).
        java.util.Set<String> serving = java.util.Set.copyOf(destinationsConfig.namesFor(workspaceId));
        Map<String, List<SubjectAccessExport.Sent>> sent = new LinkedHashMap<>();
        Map<String, List<SubjectAccessExport.Failure>> failures = new LinkedHashMap<>();
        for (ExportRepository.Sent s : repository.sent(c, workspaceId, profileId)) {
            if (!serving.contains(s.destination())) {
                continue;
            }
            String outcome = s.status().equals("in_flight") ? "pending" : s.status();
            int attempts = s.failedAttempts() + (outcome.equals("delivered") ? 1 : 0);
            sent.computeIfAbsent(s.destination(), k -> new ArrayList<>()).add(new SubjectAccessExport.Sent(
                    s.version(), s.kind(), outcome, attempts, Timestamps.iso(s.queuedAt()),
                    Timestamps.iso(s.deadAt())));
        }
        for (ExportRepository.Failure f : repository.failures(c, workspaceId, profileId)) {
            if (!serving.contains(f.destination())) {
                continue;
            }
            failures.computeIfAbsent(f.destination(), k -> new ArrayList<>()).add(new SubjectAccessExport.Failure(
                    f.firstVersion(), f.lastVersion(), f.httpStatus(), Timestamps.iso(f.failedAt())));
        }
        List<SubjectAccessExport.Destination> destinations = new ArrayList<>();
        for (String name : sent.keySet()) {
            destinations.add(new SubjectAccessExport.Destination(name, sent.get(name),
                    failures.getOrDefault(name, List.of())));
        }
        failures.forEach((name, list) -> {
            if (!sent.containsKey(name)) {
                destinations.add(new SubjectAccessExport.Destination(name, List.of(), list));
            }
        });
        return destinations;
    }
}
