package io.profilehub.profile;

import io.profilehub.identity.IdentityKeys;
import io.profilehub.identity.IdentityKey;
import io.profilehub.ids.ProfileIds;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpStatus;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.outbox.ChangeLogWriter;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;
import io.profilehub.http.Problems;
import io.profilehub.http.UnexpectedErrorHandler;
import io.profilehub.suppression.Suppressions;
import io.profilehub.outbox.OutboxSignal;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * POST /identify/batch. The batch is planned in Java ({@link BatchPlan}) from one read of every unique value and id
 * it names, then applied in one transaction, wave by wave, with at most two set-based statements per wave.
 *
 * <p>The plan predicts what the database will do. Where it turns out wrong (a concurrent request claimed a value or
 * deleted a profile in between, or a deadlock with another batch) the transaction is rolled back and planned once
 * more; if that fails too, the items are applied one by one through {@link ProfileService}, which is exactly the
 * single-call behaviour, only slower. Either way each item gets the answer it would have had alone.
 */
@Singleton
public class ProfileBatchService {
    private static final Logger LOG = LoggerFactory.getLogger(ProfileBatchService.class);
    private static final int PLANNED_ATTEMPTS = 2;

    @JsonPropertyOrder({"index", "status", "id", "error"})
    public record ItemResult(int index, int status, String id, Map<String, Object> error) {
    }

    private final TransactionOperations<Connection> tx;
    private final ProfileBatchRepository repository;
    private final ProfileService profiles;
    private final IdentityKeys identityKeys;
    private final ChangeLogWriter changeLog;
    private final OutboxSignal outboxSignal;
    private final Suppressions suppressions;
    private final ProfileLimits limits;

    public ProfileBatchService(TransactionOperations<Connection> tx, ProfileBatchRepository repository,
                               ProfileService profiles, IdentityKeys identityKeys, ChangeLogWriter changeLog,
                               OutboxSignal outboxSignal, Suppressions suppressions, 
                               ProfileLimits limits) {
        this.limits = limits;
        this.suppressions = suppressions;
        this.tx = tx;
        this.repository = repository;
        this.profiles = profiles;
        this.identityKeys = identityKeys;
        this.changeLog = changeLog;
        this.outboxSignal = outboxSignal;
    }

    public List<ItemResult> apply(String workspaceId, List<BatchPlan.Item> items, ChangeLogWriter.Source source) {
        for (int attempt = 1; attempt <= PLANNED_ATTEMPTS; attempt++) {
            try {
                List<ItemResult> results = tx.executeWrite(status -> planned(status.getConnection(), workspaceId, items, source));
                outboxSignal.committed(workspaceId);
                return results;
            } catch (TooLarge e) {
                // Which item of the profile's composed changes crossed the limit only the items one by one tell.
                LOG.debug("Batch applied one by one: {}", e.getMessage());
                return oneByOne(workspaceId, items, source);
            } catch (Mispredicted e) {
                LOG.debug("Batch plan did not hold (attempt {}): {}", attempt, e.getMessage());
            }
        }
        LOG.info("Batch of {} items applied one by one after its plan failed twice", items.size());
        return oneByOne(workspaceId, items, source);
    }

    private List<ItemResult> planned(Connection c, String workspaceId, List<BatchPlan.Item> items,
                                     ChangeLogWriter.Source source)
            throws SQLException {
        var keys = BatchPlan.keysNamed(items, identityKeys);
        ProfileBatchRepository.Resolved resolved = repository.resolve(c, workspaceId, keys, BatchPlan.idsNamed(items));
        BatchPlan plan = BatchPlan.of(items, resolved.owners(), resolved.existing(), suppressions.suppressed(c, workspaceId, keys),
                identityKeys, ProfileIds::generate);

        Map<Integer, List<BatchPlan.Step>> waves = new TreeMap<>();
        plan.steps().forEach(s -> waves.computeIfAbsent(s.wave(), w -> new ArrayList<>()).add(s));
        List<ChangeLogWriter.Change> changes = new ArrayList<>();
        try {
            for (List<BatchPlan.Step> wave : waves.values()) {
                applyWave(c, workspaceId, wave, changes, source);
            }
            changeLog.append(c, changes);
        } catch (SQLException e) {
            // Deadlock with a concurrent batch or serialization failure: worth planning again.
            if ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState())) {
                throw new Mispredicted("database asked to retry: " + e.getSQLState());
            }
            throw e;
        }

        ItemResult[] results = new ItemResult[items.size()];
        plan.failures().forEach((index, problem) -> results[index] = failed(index, problem));
        for (BatchPlan.Step s : plan.steps()) {
            for (BatchPlan.Item item : s.items()) {
                results[item.index()] = new ItemResult(item.index(), s.status(), s.profileId(), null);
            }
        }
        return Arrays.asList(results);
    }

    /** Applies one wave and adds its changes, in version order, to {@code changes}. */
    private void applyWave(Connection c, String workspaceId, List<BatchPlan.Step> wave,
                           List<ChangeLogWriter.Change> changes, ChangeLogWriter.Source source) throws SQLException {
        List<ProfileBatchRepository.NewProfile> creates = new ArrayList<>();
        List<ProfileBatchRepository.Patch> merges = new ArrayList<>();
        for (BatchPlan.Step s : wave) {
            if (s.kind() == BatchPlan.Kind.CREATE) {
                creates.add(new ProfileBatchRepository.NewProfile(s.profileId(), document(s.identifiers()),
                        document(s.traits()), s.claims()));
            } else {
                merges.add(new ProfileBatchRepository.Patch(s.profileId(), sequence(s.identifiers()),
                        sequence(s.traits()), s.touched(), s.wanted()));
            }
        }
        if (!creates.isEmpty()) {
            Map<String, ProfileBatchRepository.CreatedRow> created = repository.createMany(c, workspaceId, creates,
                    limits.maxProfileBytes());
            for (ProfileBatchRepository.NewProfile p : creates) {
                ProfileBatchRepository.CreatedRow row = created.get(p.id());
                if (row == null || row.claimed() < 0) {
                    throw new TooLarge("new profile " + p.id() + " is larger than the limit");
                }
                if (row.claimed() != p.keys().size()) {
                    throw new Mispredicted("a unique value of new profile " + p.id() + " was claimed concurrently");
                }
                changes.add(ChangeLogWriter.Change.upsert(workspaceId, p.id(), row.version(), row.event(),
                        ChangeLogWriter.Cause.CREATE, source));
            }
        }
        if (!merges.isEmpty()) {
            Map<String, ProfileBatchRepository.MergeRow> rows = repository.mergeMany(c, workspaceId, merges,
                    limits.maxProfileBytes());
            for (ProfileBatchRepository.Patch p : merges) {
                ProfileBatchRepository.MergeRow row = rows.get(p.id());
                if (row == null) {
                    throw new Mispredicted("profile " + p.id() + " was deleted concurrently");
                }
                if (row.tooLarge()) {
                    throw new TooLarge("profile " + p.id() + " would grow beyond the limit");
                }
                if (row.unclaimed() != 0) {
                    throw new Mispredicted("a unique value for " + p.id() + " was claimed concurrently");
                }
                if (row.changed() && !p.touched().isEmpty() && !sameKeys(p, row)) {
                    throw new Mispredicted("stored unique values of " + p.id() + " differ from the patch's");
                }
                if (row.changed()) {
                    changes.add(ChangeLogWriter.Change.upsert(workspaceId, p.id(), row.version(), row.event(),
                            ChangeLogWriter.Cause.UPDATE, source));
                }
            }
        }
    }

    private static String document(List<ObjectNode> parts) {
        return parts.isEmpty() ? "{}" : parts.get(0).toString();
    }

    /** Patches to apply in turn, as the JSON array jsonb_merge_patches takes. */
    private static String sequence(List<ObjectNode> patches) {
        ArrayNode array = JsonInput.MAPPER.createArrayNode();
        patches.forEach(array::add);
        return array.toString();
    }

    /** The single call re-points keys from the stored document; the plan used the patch. They must agree. */
    private boolean sameKeys(ProfileBatchRepository.Patch p, ProfileBatchRepository.MergeRow row) throws SQLException {
        List<IdentityKey> stored = identityKeys.extract(ProfileRepository.object(row.identifiers())).stream()
                .filter(k -> p.touched().contains(k.name())).toList();
        return Objects.equals(new java.util.HashSet<>(stored), new java.util.HashSet<>(p.wanted()));
    }

    private List<ItemResult> oneByOne(String workspaceId, List<BatchPlan.Item> items,
                                      ChangeLogWriter.Source source) {
        List<ItemResult> results = new ArrayList<>(items.size());
        for (BatchPlan.Item item : items) {
            try {
                if (item.invalid() != null) {
                    throw item.invalid();
                }
                if (item.id() != null) {
                    Profile p = profiles.update(workspaceId, item.id(), item.identifiers(), item.traits(), null, source);
                    results.add(new ItemResult(item.index(), 200, p.id(), null));
                } else {
                    ProfileService.Identified r = profiles.identify(workspaceId, item.identifiers(), item.traits(), source);
                    results.add(new ItemResult(item.index(), r.created() ? 201 : 200, r.profile().id(), null));
                }
            } catch (ProblemException e) {
                results.add(failed(item.index(), e));
            } catch (Exception e) { // SQLExceptions, too, escape transaction callbacks unwrapped
                ProblemException retryable = UnexpectedErrorHandler.retryable(e);
                if (retryable != null) {
                    LOG.warn("Batch item {}: {}", item.index(), retryable.getMessage());
                    results.add(failed(item.index(), retryable));
                    continue;
                }
                LOG.error("Batch item {} failed", item.index(), e);
                results.add(failed(item.index(), new ProblemException(HttpStatus.INTERNAL_SERVER_ERROR,
                        "internal-server-error", "The server could not complete this item; it has been logged.")));
            }
        }
        return results;
    }

    private static ItemResult failed(int index, ProblemException e) {
        return new ItemResult(index, e.status().getCode(), null,
                Problems.body(e.status(), e.slug(), e.getMessage(), e.extensions()));
    }

    /** A write of the plan would exceed the profile size limit; rolls the transaction back. */
    private static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    /** The plan's prediction did not hold; rolls the transaction back. */
    private static final class Mispredicted extends RuntimeException {
        Mispredicted(String message) {
            super(message, null, false, false);
        }
    }
}
