package io.profilehub.merge;

import io.profilehub.destination.ChangeKind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpStatus;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.Destinations;
import io.profilehub.erasure.RemovalEvents;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;
import io.profilehub.identity.IdentityKey;
import io.profilehub.identity.IdentityKeys;
import io.profilehub.ids.RandomTokens;
import io.profilehub.outbox.ChangeLogWriter;
import io.profilehub.suppression.Suppressions;
import io.profilehub.outbox.OutboxSignal;
import io.profilehub.profile.Profile;
import io.profilehub.profile.ProfileLimits;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Merges two profiles into one, and undoes a merge, each in one transaction that ends by appending its changes to
 * the change log.
 *
 * <p>Locks: both profile rows, in id order, before anything else. Two merges of the same pair (either way round),
 * a merge and an update, or a merge and an erasure, therefore queue on the first row rather than each holding one
 * the other waits for; whoever comes second sees the first's committed result (a profile gone, a newer version).
 */
@Singleton
public class MergeService {
    public enum Prefer {
        SURVIVOR, FROM;

        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A merge done: its id and record, the merged survivor, and unique-key values released as the losing side. */
    public record Merged(String mergeId, String createdAt, String undoableUntil, long survivorVersion,
                         Profile profile, List<IdentityKey> releasedKeys) {
    }

    public record Undone(MergeRecord merge, Profile survivor, Profile absorbed) {
    }

    /** The member of a connector's locator naming the vendor's user id (destination/mapping/ChangeConnector). */
    private static final String VENDOR_USER_ID = "userId";

    private final TransactionOperations<Connection> tx;
    private final MergeRepository repository;
    private final IdentityKeys identityKeys;
    private final ChangeLogWriter changeLog;
    private final OutboxSignal outboxSignal;
    private final ProfileLimits limits;
    private final Destinations destinations;
    private final RemovalEvents removals;
    private final MergeSettings settings;
    private final Suppressions suppressions;

    public MergeService(TransactionOperations<Connection> tx, MergeRepository repository, IdentityKeys identityKeys,
                        ChangeLogWriter changeLog, OutboxSignal outboxSignal, ProfileLimits limits,
                        Destinations destinations, RemovalEvents removals, MergeSettings settings,
                        Suppressions suppressions) {
        this.suppressions = suppressions;
        this.tx = tx;
        this.repository = repository;
        this.identityKeys = identityKeys;
        this.changeLog = changeLog;
        this.outboxSignal = outboxSignal;
        this.limits = limits;
        this.destinations = destinations;
        this.removals = removals;
        this.settings = settings;
    }

    public Merged merge(String workspaceId, String survivorId, String fromId, Prefer prefer,
                        ChangeLogWriter.Source source) {
        Merged merged = tx.executeWrite(status -> mergeOnce(status.getConnection(), workspaceId, survivorId, fromId,
                prefer, source));
        outboxSignal.committed(workspaceId);
        return merged;
    }

    private Merged mergeOnce(Connection c, String workspaceId, String survivorId, String fromId, Prefer prefer,
                             ChangeLogWriter.Source source) throws SQLException {
        boolean survivorFirst = survivorId.compareTo(fromId) < 0;
        Optional<Long> first = repository.lock(c, workspaceId, survivorFirst ? survivorId : fromId);
        Optional<Long> second = repository.lock(c, workspaceId, survivorFirst ? fromId : survivorId);
        Optional<Long> survivorVersion = survivorFirst ? first : second;
        Optional<Long> fromVersion = survivorFirst ? second : first;
        if (survivorVersion.isEmpty()) {
            Optional<MergeRepository.Alias> alias = repository.alias(c, workspaceId, survivorId);
            if (alias.isPresent() && alias.get().profileId().equals(fromId)) {
                throw alreadyOne(survivorId, fromId, alias.get());
            }
            // An alias of another profile answers 308 (AliasRedirectFilter): the merge means the same there.
            throw ProblemException.notFound("No user with id " + survivorId + " exists in this workspace.");
        }
        if (fromVersion.isEmpty()) {
            Optional<MergeRepository.Alias> alias = repository.alias(c, workspaceId, fromId);
            if (alias.isPresent() && alias.get().profileId().equals(survivorId)) {
                throw alreadyOne(fromId, survivorId, alias.get());
            }
            if (alias.isPresent()) {
                throw ProblemException.conflict("'from' names " + fromId + ", which was merged into "
                        + alias.get().profileId() + " by " + alias.get().mergeId() + "; merge "
                        + alias.get().profileId() + " instead. Nothing was changed.",
                        Map.of("profileId", alias.get().profileId(), "mergeId", alias.get().mergeId()));
            }
            throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, "unprocessable-entity",
                    "'from' names " + fromId + ", and no user with that id exists in this workspace. Nothing was changed.");
        }
        ObjectNode beforeSurvivor = repository.before(c, workspaceId, survivorId);
        ObjectNode beforeAbsorbed = repository.before(c, workspaceId, fromId);
        MergeRepository.Computed computed = repository.compute(c, workspaceId, survivorId, fromId,
                prefer == Prefer.FROM);
        if (computed.bytes() > limits.maxProfileBytes()) {
            throw ProfileLimits.tooLarge(computed.bytes(), limits.maxProfileBytes());
        }
        long leaves = ProfileLimits.leaves(computed.identifiers()) + ProfileLimits.leaves(computed.traits());
        if (leaves > limits.maxProfileLeaves()) {
            throw ProfileLimits.tooManyLeaves(leaves, limits.maxProfileLeaves(), false);
        }
        List<IdentityKey> wanted = identityKeys.extract(computed.identifiers());
        List<IdentityKey> held = new ArrayList<>(keys(beforeSurvivor));
        held.addAll(keys(beforeAbsorbed));
        Map<IdentityKey, String> taken = repository.moveKeys(c, workspaceId, survivorId, fromId, wanted);
        if (!taken.isEmpty()) {
            // Only when a profile's keys and identifiers disagree (an interrupted renormalisation): never guess.
            throw ProblemException.conflict("The merged identifiers would claim values other profiles hold: "
                    + describe(taken) + ". Nothing was changed.",
                    Map.of("profiles", taken.values().stream().distinct().toList()));
        }
        MergeRepository.Written written = repository.write(c, workspaceId, survivorId, computed.identifiers(),
                computed.traits());
        String mergeId = RandomTokens.of("mrg_", 16);
        long removalVersion = beforeAbsorbed.path("version").asLong() + 1;
        repository.absorb(c, workspaceId, survivorId, fromId, mergeId);
        repository.insert(c, new MergeRepository.NewMerge(workspaceId, mergeId, survivorId, fromId, prefer.value(),
                written.profile().version(), beforeSurvivor, beforeAbsorbed, settings.undoRetention().toMillis(),
                source.keyId(), source.keyName(), source.label(), removalVersion));
        MergeRepository.Row row = repository.find(c, workspaceId, mergeId, false).orElseThrow();
        List<ChangeLogWriter.Change> changes = new ArrayList<>();
        changes.add(ChangeLogWriter.Change.upsert(workspaceId, survivorId, written.profile().version(),
                written.event(), ChangeLogWriter.Cause.MERGE, source));
        changes.addAll(removalsOf(workspaceId, survivorId, fromId, removalVersion, mergeId,
                (ObjectNode) beforeAbsorbed.get("identifiers"), computed.identifiers(), source));
        changeLog.append(c, changes);
        List<IdentityKey> released = held.stream().filter(k -> !wanted.contains(k)).toList();
        return new Merged(mergeId, row.createdAt(), row.undoableUntil(), written.profile().version(),
                written.profile(), released);
    }

    /**
     * The absorbed user's removal, for each destination whose vendor can delete. Skipped where the vendor would
     * find the survivor under the same user id (a configured user-id identifier the survivor now holds): there the
     * survivor's upsert already turns that vendor user into the survivor, and a removal would delete it.
     */
    private List<ChangeLogWriter.Change> removalsOf(String workspaceId, String survivorId, String absorbedId,
                                                    long version, String mergeId, ObjectNode absorbedIdentifiers,
                                                    ObjectNode mergedIdentifiers, ChangeLogWriter.Source source) {
        List<ChangeLogWriter.Change> changes = new ArrayList<>();
        ObjectNode extra = JsonInput.MAPPER.createObjectNode().put("mergedInto", survivorId).put("mergeId", mergeId);
        for (String name : destinations.namesFor(workspaceId)) {
            if (!removals.deletes(name)) {
                continue;
            }
            Map<String, String> locator = removals.locator(name, absorbedId, absorbedIdentifiers);
            String vendorUser = locator.get(VENDOR_USER_ID);
            if (vendorUser != null
                    && vendorUser.equals(removals.locator(name, survivorId, mergedIdentifiers).get(VENDOR_USER_ID))) {
                continue;
            }
            changes.add(new ChangeLogWriter.Change(workspaceId, absorbedId, version, ChangeKind.DELETE,
                    removals.event(workspaceId, absorbedId, version, locator, extra), name,
                    ChangeLogWriter.Cause.MERGE, source));
        }
        return changes;
    }

    private static ProblemException alreadyOne(String absorbedId, String survivorId, MergeRepository.Alias alias) {
        return ProblemException.conflict(absorbedId + " was already merged into " + survivorId + " by "
                        + alias.mergeId() + "; they are one profile now. Nothing was changed.",
                Map.of("profileId", survivorId, "mergeId", alias.mergeId()));
    }

    /** A page of the merges the profile took part in, newest first (the caller has checked the profile exists). */
    public List<MergeSummary> forProfile(String workspaceId, String profileId, String afterId, int limit) {
        return tx.executeRead(status -> repository.forProfile(status.getConnection(), workspaceId, profileId, afterId,
                limit));
    }

    public Optional<MergeRecord> find(String workspaceId, String mergeId) {
        return tx.executeRead(status -> {
            Connection c = status.getConnection();
            Optional<MergeRepository.Row> row = repository.find(c, workspaceId, mergeId, false);
            if (row.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(record(workspaceId, row.get(), repository.deliveries(c, workspaceId, row.get())));
        });
    }

    public Undone undo(String workspaceId, String mergeId, ChangeLogWriter.Source source) {
        Undone undone = tx.executeWrite(status -> undoOnce(status.getConnection(), workspaceId, mergeId, source));
        outboxSignal.committed(workspaceId);
        return undone;
    }

    private Undone undoOnce(Connection c, String workspaceId, String mergeId, ChangeLogWriter.Source source)
            throws SQLException {
        MergeRepository.Row merge = repository.find(c, workspaceId, mergeId, true)
                .orElseThrow(() -> ProblemException.notFound("No merge with id " + mergeId + " exists in this workspace."));
        String survivorId = merge.survivorId();
        String absorbedId = merge.absorbedId();
        if (merge.status().equals("undone")) {
            throw ProblemException.conflict("Merge " + mergeId + " was already undone at " + merge.undoneAt()
                    + ". Nothing was changed.", Map.of("undoneAt", merge.undoneAt()));
        }
        if (merge.beforeSurvivor() == null) {
            throw new ProblemException(HttpStatus.GONE, "gone", "Merge " + mergeId + " can no longer be undone: "
                    + "the profiles' earlier state was kept until " + merge.expiresAt()
                    + " (profilehub.merges.undo-retention) and has been dropped. Nothing was changed.");
        }
        Optional<Long> version = repository.lock(c, workspaceId, survivorId);
        if (version.isEmpty()) {
            Optional<MergeRepository.Alias> alias = repository.alias(c, workspaceId, survivorId);
            throw ProblemException.conflict("The survivor " + survivorId + " no longer exists"
                    + alias.map(a -> ": it was merged into " + a.profileId() + " by " + a.mergeId()
                    + "; undo that merge first").orElse("") + ". Nothing was changed.",
                    alias.<Map<String, Object>>map(a -> Map.of("profileId", a.profileId(), "mergeId", a.mergeId()))
                            .orElse(Map.of()));
        }
        if (version.get() != merge.survivorVersion()) {
            List<String> fields = repository.changedFields(c, workspaceId, mergeId, survivorId);
            throw ProblemException.conflict("The survivor " + survivorId + " changed since the merge: the merge left "
                    + "it at version " + merge.survivorVersion() + ", it is at version " + version.get()
                    + (fields.isEmpty() ? "" : "; fields that differ: " + String.join(", ", fields))
                    + ". Undoing would lose those changes, so nothing was changed.",
                    Map.of("mergedVersion", merge.survivorVersion(), "currentVersion", version.get(),
                            "changedFields", fields));
        }
        if (repository.lock(c, workspaceId, absorbedId).isPresent()) {
            throw ProblemException.conflict("The id " + absorbedId + " names a profile again; it cannot be "
                    + "restored. Nothing was changed.", Map.of());
        }
        if (repository.retired(c, workspaceId, absorbedId)) {
            throw ProblemException.conflict("The absorbed id " + absorbedId + " was erased; it cannot be "
                    + "restored. Nothing was changed.", Map.of());
        }
        Optional<MergeRepository.Alias> alias = repository.alias(c, workspaceId, absorbedId);
        if (alias.isEmpty() || !alias.get().mergeId().equals(mergeId)) {
            throw ProblemException.conflict("The absorbed id " + absorbedId + " no longer belongs to this merge"
                    + alias.map(a -> " (it is an alias from " + a.mergeId() + ")").orElse("")
                    + "; it cannot be restored. Nothing was changed.", Map.of());
        }
        ObjectNode beforeSurvivor = merge.beforeSurvivor();
        ObjectNode beforeAbsorbed = merge.beforeAbsorbed();
        refuseSuppressed(c, workspaceId, survivorId, absorbedId, beforeSurvivor, beforeAbsorbed);
        MergeRepository.Written survivor = repository.restoreSurvivor(c, workspaceId, survivorId, beforeSurvivor);
        long absorbedVersion = (merge.removalVersion() == null
                ? beforeAbsorbed.path("version").asLong() + 1 : merge.removalVersion()) + 1;
        MergeRepository.Written absorbed = repository.recreate(c, workspaceId, absorbedId, beforeAbsorbed,
                absorbedVersion);
        Map<IdentityKey, String> taken = repository.restoreKeys(c, workspaceId, survivorId, keys(beforeSurvivor),
                absorbedId, keys(beforeAbsorbed));
        if (!taken.isEmpty()) {
            throw ProblemException.conflict("Unique identifiers the merge released are held by other profiles now: "
                    + describe(taken) + ". Undoing would take them away, so nothing was changed.",
                    Map.of("profiles", taken.values().stream().filter(Objects::nonNull).distinct().toList()));
        }
        List<String> aliases = new ArrayList<>();
        beforeAbsorbed.path("aliases").forEach(a -> aliases.add(a.asText()));
        repository.restoreAliases(c, workspaceId, survivorId, absorbedId, aliases);
        repository.markUndone(c, workspaceId, mergeId);
        MergeRepository.Row after = repository.find(c, workspaceId, mergeId, false).orElseThrow();
        changeLog.append(c, List.of(
                ChangeLogWriter.Change.upsert(workspaceId, survivorId, survivor.profile().version(), survivor.event(),
                        ChangeLogWriter.Cause.UNDO, source),
                ChangeLogWriter.Change.upsert(workspaceId, absorbedId, absorbed.profile().version(), absorbed.event(),
                        ChangeLogWriter.Cause.UNDO, source)));
        return new Undone(record(workspaceId, after, List.of()), survivor.profile(), absorbed.profile());
    }

    private MergeRecord record(String workspaceId, MergeRepository.Row row, List<MergeRepository.DeliveryRow> deliveries) {
        Map<String, List<MergeRepository.DeliveryRow>> byDestination = new LinkedHashMap<>();
        destinations.namesFor(workspaceId).forEach(n -> byDestination.put(n, new ArrayList<>()));
        // Only the destinations that serve the workspace now: the log also names destinations of other instances'
        // configurations and ones removed since (cursors exist for every destination ever configured).
        deliveries.stream().filter(d -> byDestination.containsKey(d.destination()))
                .forEach(d -> byDestination.get(d.destination()).add(d));
        boolean undone = row.status().equals("undone");
        List<MergeRecord.DestinationOutcome> outcomes = new ArrayList<>();
        byDestination.forEach((name, rows) -> {
            MergeRecord.Delivery survivor = find(rows, row.survivorId(), row.survivorVersion(), ChangeKind.UPSERT.value())
                    .orElse(new MergeRecord.Delivery(row.survivorId(), row.survivorVersion(), "unknown",
                            "the change log no longer holds this change"));
            MergeRecord.Delivery absorbed;
            Long removal = row.removalVersion();
            Optional<MergeRecord.Delivery> queued = removal == null ? Optional.empty()
                    : find(rows, row.absorbedId(), removal, ChangeKind.DELETE.value());
            if (queued.isPresent()) {
                absorbed = queued.get();
            } else if (!removals.deletes(name)) {
                absorbed = new MergeRecord.Delivery(row.absorbedId(), removal, "not_supported",
                        "this vendor cannot delete users: " + row.absorbedId() + " remains there");
            } else {
                absorbed = new MergeRecord.Delivery(row.absorbedId(), removal, "none",
                        "no removal was queued (the vendor knows the absorbed user under the survivor's user id, "
                                + "or the destination was added later)");
            }
            List<MergeRecord.Delivery> undo = null;
            if (undone) {
                undo = new ArrayList<>();
                find(rows, row.survivorId(), row.survivorVersion() + 1, ChangeKind.UPSERT.value()).ifPresent(undo::add);
                if (removal != null) {
                    find(rows, row.absorbedId(), removal + 1, ChangeKind.UPSERT.value()).ifPresent(undo::add);
                }
            }
            outcomes.add(new MergeRecord.DestinationOutcome(name, survivor, absorbed, undo));
        });
        return new MergeRecord(row.id(), row.survivorId(), row.absorbedId(), row.prefer(), row.status(),
                row.createdAt(), row.undoneAt(), row.survivorVersion(), row.undoableUntil(),
                new MergeRecord.Source(row.sourceKeyId(), row.sourceKeyName(), row.sourceLabel()), outcomes);
    }

    private static Optional<MergeRecord.Delivery> find(List<MergeRepository.DeliveryRow> rows, String profileId,
                                                       long version, String kind) {
        return rows.stream().filter(r -> r.profileId().equals(profileId) && r.version() == version
                        && r.kind().equals(kind))
                .findFirst().map(r -> new MergeRecord.Delivery(profileId, version, status(r.status()), null));
    }

    private static String status(String deliveryStatus) {
        return switch (deliveryStatus) {
            case "in_flight" -> "pending";
            case "dead", "discarded" -> "failed";
            default -> deliveryStatus;
        };
    }

    /**
     * An undo gives the profiles back the unique values they held before the merge. One of them may since have been
     * claimed by someone who was then erased with suppress=true (a value the merge released is free to be claimed),
     * and restoring it would re-create that person here and at the vendors. The undo is refused rather than made
     * without the value: a restored profile missing one of its identifiers would be a silently altered profile, and
     * whether the suppressed person and the restored one are the same is for an admin to decide, who can lift the
     * suppression (DELETE /suppressions/{hash}) and undo again.
     */
    private void refuseSuppressed(Connection c, String workspaceId, String survivorId, String absorbedId,
                                  ObjectNode beforeSurvivor, ObjectNode beforeAbsorbed) throws SQLException {
        Map<String, String> hits = new LinkedHashMap<>(); // "the email of usr_…" -> its suppression hash
        suppressions.suppressed(c, workspaceId, keys(beforeSurvivor))
                .forEach((k, hash) -> hits.put("the " + k.name() + " of " + survivorId, hash));
        suppressions.suppressed(c, workspaceId, keys(beforeAbsorbed))
                .forEach((k, hash) -> hits.put("the " + k.name() + " of " + absorbedId, hash));
        if (hits.isEmpty()) {
            return;
        }
        String which = hits.entrySet().stream().map(e -> e.getKey() + " (suppression " + e.getValue() + ")")
                .collect(Collectors.joining(", "));
        throw ProblemException.conflict("Undoing would give back unique identifiers that belong to a person erased "
                + "with suppression since the merge: " + which + ". Nothing was changed; an admin can lift a "
                + "suppression with DELETE /suppressions/{hash} and undo again.",
                Map.of("suppressions", List.copyOf(hits.values())));
    }

    private static List<IdentityKey> keys(ObjectNode before) {
        List<IdentityKey> keys = new ArrayList<>();
        for (JsonNode pair : before.path("keys")) {
            keys.add(new IdentityKey(pair.get(0).asText(), pair.get(1).asText()));
        }
        return keys;
    }

    private static String describe(Map<IdentityKey, String> taken) {
        return taken.entrySet().stream()
                .map(e -> e.getKey().name() + " is held by " + e.getValue())
                .collect(Collectors.joining("; "));
    }
}
