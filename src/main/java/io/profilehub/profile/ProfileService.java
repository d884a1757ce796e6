package io.profilehub.profile;

import io.profilehub.identity.IdentityKeys;
import io.profilehub.identity.IdentityKey;
import io.profilehub.ids.ProfileIds;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpStatus;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.outbox.ChangeLogWriter;
import io.profilehub.suppression.Suppressions;
import io.profilehub.http.ProblemException;
import io.profilehub.outbox.OutboxSignal;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Creates, resolves, merges and deletes profiles. Each operation is one transaction, which ends by appending its
 * change to the change log.
 */
@Singleton
public class ProfileService {
    private static final int RESOLVE_ATTEMPTS = 5;

    public record Identified(Profile profile, boolean created) {
    }

    private final TransactionOperations<Connection> tx;
    private final ProfileRepository repository;
    private final IdentityKeys identityKeys;
    private final ChangeLogWriter changeLog;
    private final Suppressions suppressions;
    private final OutboxSignal outboxSignal;
    private final ProfileLimits limits;

    public ProfileService(TransactionOperations<Connection> tx, ProfileRepository repository,
                          IdentityKeys identityKeys, ChangeLogWriter changeLog, Suppressions suppressions,  OutboxSignal outboxSignal, ProfileLimits limits) {
        this.limits = limits;
        this.suppressions = suppressions;
        this.tx = tx;
        this.repository = repository;
        this.identityKeys = identityKeys;
        this.changeLog = changeLog;
        this.outboxSignal = outboxSignal;
    }

    public Optional<Profile> get(String workspaceId, String id) {
        return tx.executeRead(status -> repository.find(status.getConnection(), workspaceId, id));
    }

    /**
     * POST /identify: merge into the one profile the unique identifiers resolve to, or create one. Two creates
     * racing for the same value meet at the identity_keys primary key; the loser resolves again and merges.
     */
    public Identified identify(String workspaceId, ObjectNode identifiers, ObjectNode traits,
                               ChangeLogWriter.Source source) {
        List<IdentityKey> keys = identityKeys.extract(identifiers);
        for (int attempt = 1; ; attempt++) {
            try {
                Identified identified = tx.executeWrite(status -> identifyOnce(status.getConnection(), workspaceId,
                        identifiers, traits, keys, source));
                outboxSignal.committed(workspaceId);
                return identified;
            } catch (LostRace e) {
                // resolve again below
            }
            if (attempt == RESOLVE_ATTEMPTS) {
                throw new ProblemException(HttpStatus.CONFLICT, "conflict",
                        "Another request kept claiming the same identifiers; retry the request.");
            }
        }
    }

    private Identified identifyOnce(Connection c, String workspaceId, ObjectNode identifiers,
                                              ObjectNode traits, List<IdentityKey> keys,
                                    ChangeLogWriter.Source source) throws SQLException {
        Map<IdentityKey, String> owners = repository.owners(c, workspaceId, keys);
        Set<String> profiles = new LinkedHashSet<>(owners.values());
        if (profiles.size() > 1) {
            String who = owners.entrySet().stream()
                    .map(e -> e.getValue() + " (" + e.getKey().name() + ")").distinct().collect(Collectors.joining(", "));
            throw ProblemException.conflict("The identifiers match " + profiles.size()
                    + " different profiles: " + who + ". Nothing was changed.", Map.of("profiles", List.copyOf(profiles)));
        }
        if (profiles.size() == 1) {
            String id = profiles.iterator().next();
            return new Identified(mergeInto(c, workspaceId, id, identifiers, traits, null, source), false);
        }
        refuseSuppressed(c, workspaceId, keys);
        ProfileRepository.Created created = repository.create(c, workspaceId, ProfileIds.generate(), identifiers,
                traits, keys, limits.maxProfileBytes());
        if (!created.allKeysClaimed()) {
            throw new LostRace(); // a concurrent request claimed a value first: roll back, resolve again
        }
        Profile p = created.profile();
        changeLog.append(c, List.of(ChangeLogWriter.Change.upsert(workspaceId, p.id(), p.version(), created.event(),
                ChangeLogWriter.Cause.CREATE, source)));
        return new Identified(created.profile(), true);
    }

    /** A person who asked to be forgotten with suppression is not created again by a late retry. */
    private void refuseSuppressed(Connection c, String workspaceId, List<IdentityKey> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        Map<IdentityKey, String> hits = suppressions.suppressed(c, workspaceId, keys);
        if (!hits.isEmpty()) {
            throw Suppressions.refusal(hits.values());
        }
    }

    /** POST /identify/{id} and /track/{id}: merge patches into an existing profile. */
    public Profile update(String workspaceId, String id, ObjectNode identifiersPatch, ObjectNode traitsPatch,
                          Long expectedVersion, ChangeLogWriter.Source source) {
        Profile profile = tx.executeWrite(status -> mergeInto(status.getConnection(), workspaceId, id,
                identifiersPatch, traitsPatch, expectedVersion, source));
        outboxSignal.committed(workspaceId);
        return profile;
    }

    private Profile mergeInto(Connection c, String workspaceId, String id, ObjectNode identifiersPatch,
                              ObjectNode traitsPatch, Long expectedVersion, ChangeLogWriter.Source source)
            throws SQLException {
        ProfileRepository.Merged merged = repository.merge(c, workspaceId, id, identifiersPatch, traitsPatch,
                        expectedVersion, limits.maxProfileBytes())
                .orElseThrow(() -> ProblemException.notFound("No user with id " + id + " exists in this workspace."));
        if (expectedVersion != null && merged.previousVersion() != expectedVersion) {
            throw new ProblemException(HttpStatus.PRECONDITION_FAILED, "precondition-failed",
                    "If-Match expected version " + expectedVersion + " but the user is at version "
                            + merged.previousVersion() + "; read it again and retry.");
        }
        List<String> touched = identityKeys.touched(identifiersPatch);
        if (!touched.isEmpty()) {
            List<IdentityKey> wanted = identityKeys.extract(merged.profile().identifiers()).stream()
                    .filter(k -> touched.contains(k.name())).toList();
            // Merging must not bring back what a create may not: a value erased with suppression stays gone.
            refuseSuppressed(c, workspaceId, wanted);
            if (merged.changed() && !repository.syncKeys(c, workspaceId, id, touched, wanted)) {
                Map<IdentityKey, String> owners = repository.owners(c, workspaceId, wanted);
                String taken = owners.entrySet().stream().filter(e -> !e.getValue().equals(id))
                        .map(e -> e.getKey().name() + " is already used by " + e.getValue())
                        .collect(Collectors.joining("; "));
                throw ProblemException.conflict("This change would give " + id + " a unique identifier another "
                        + "profile holds: " + (taken.isEmpty() ? "a concurrent request claimed it" : taken)
                        + ". Nothing was changed.", Map.of("profiles", owners.values().stream().distinct().toList()));
            }
        }
        if (merged.changed()) {
            changeLog.append(c, List.of(ChangeLogWriter.Change.upsert(workspaceId, id, merged.profile().version(),
                    merged.event(), ChangeLogWriter.Cause.UPDATE, source)));
        }
        return merged.profile();
    }

    private static final class LostRace extends RuntimeException {
        LostRace() {
            super(null, null, false, false);
        }
    }

}
