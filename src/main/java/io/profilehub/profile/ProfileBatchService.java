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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every identify write: POST /identify/batch, and POST /identify, POST /identify/{id} and /track/{id} as a batch
 * of one. The batch is planned in Java ({@link BatchPlan}) from one read of every unique value and id it names, then
 * applied in one transaction, wave by wave, with at most two set-based statements per wave.
 *
 * <p>The plan predicts what the database will do. Where it turns out wrong (a concurrent request claimed a value or
 * changed or deleted a profile in between, or a deadlock with another batch) the transaction is rolled back and
 * planned again. Two creates racing for the same unique value meet at the identity_keys primary key; the loser
 * plans again, now finds the winner's profile and merges into it. A batch of one is planned up to
 * {@value #RESOLVE_ATTEMPTS} times; a larger batch twice, then item by item, each a batch of one, so that each item
 * gets the answer it would have had alone.
 */
@Singleton
public class ProfileBatchService {
    private static final Logger LOG = LoggerFactory.getLogger(ProfileBatchService.class);
    private static final int PLANNED_ATTEMPTS = 2;
    private static final int RESOLVE_ATTEMPTS = 5;
    private static final String GENERIC_PLANS = "set local plan_cache_mode = force_generic_plan";

    @JsonPropertyOrder({"index", "status", "id", "error"})
    public record ItemResult(int index, int status, String id, Map<String, Object> error) {
    }

    /** What became of one item: a status with the profile's id (and, for a single call, the profile), or a problem. */
    record Outcome(int index, int status, String id, Profile profile, ProblemException failure) {
        ItemResult result() {
            return failure == null ? new ItemResult(index, status, id, null) : failed(index, failure);
        }
    }

    private final TransactionOperations<Connection> tx;
    private final ProfileBatchRepository repository;
    private final IdentityKeys identityKeys;
    private final ChangeLogWriter changeLog;
    private final OutboxSignal outboxSignal;
    private final Suppressions suppressions;
    private final ProfileLimits limits;

    public ProfileBatchService(TransactionOperations<Connection> tx, ProfileBatchRepository repository,
                               IdentityKeys identityKeys, ChangeLogWriter changeLog, OutboxSignal outboxSignal,
                               Suppressions suppressions, ProfileLimits limits) {
        this.limits = limits;
        this.suppressions = suppressions;
        this.tx = tx;
        this.repository = repository;
        this.identityKeys = identityKeys;
        this.changeLog = changeLog;
        this.outboxSignal = outboxSignal;
    }

    public List<ItemResult> apply(String workspaceId, List<BatchPlan.Item> requested, ChangeLogWriter.Source source) {
        List<BatchPlan.Item> items = requested.stream().map(this::bounded).toList();
        for (int attempt = 1; attempt <= PLANNED_ATTEMPTS; attempt++) {
            try {
                List<Outcome> outcomes = tx.executeWrite(status -> planned(status.getConnection(), workspaceId,
                        items, source, false, false));
                outboxSignal.committed(workspaceId);
                return outcomes.stream().map(Outcome::result).toList();
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

    /**
     * A batch of one, answered with the stored profile. Its first attempt does not read a profile it names by id
     * when it names no unique value (a traits update): the merge itself finds it, or finds it missing or at another
     * version than If-Match asks, which is then planned again with the read. An update thus costs one statement.
     */
    Outcome one(String workspaceId, BatchPlan.Item item, ChangeLogWriter.Source source) {
        BatchPlan.Item checked = bounded(item);
        if (checked.invalid() != null) {
            return new Outcome(item.index(), 0, null, null, checked.invalid());
        }
        List<BatchPlan.Item> alone = List.of(item.withIndex(0)); // a batch's item keeps its index in the outcome
        for (int attempt = 1; attempt <= RESOLVE_ATTEMPTS; attempt++) {
            boolean optimistic = attempt == 1;
            try {
                Outcome outcome = tx.executeWrite(status -> planned(status.getConnection(), workspaceId,
                        alone, source, true, optimistic)).get(0);
                outboxSignal.committed(workspaceId);
                return new Outcome(item.index(), outcome.status(), outcome.id(), outcome.profile(), outcome.failure());
            } catch (TooLarge e) {
                return new Outcome(item.index(), 0, null, null, e.problem);
            } catch (Mispredicted e) {
                LOG.debug("Identify plan did not hold (attempt {}): {}", attempt, e.getMessage());
            }
        }
        throw new ProblemException(HttpStatus.CONFLICT, "conflict",
                "Another request kept claiming the same identifiers; retry the request.");
    }

    /**
     * The item, or its refusal when it alone sets more leaves than a profile may hold: such a request is answered
     * before it reaches the database (every leaf it sets ends in the profile, so the statement would refuse it too,
     * after merging and counting the whole document under the row lock).
     */
    private BatchPlan.Item bounded(BatchPlan.Item item) {
        if (item.invalid() != null) {
            return item;
        }
        ProblemException refusal = limits.refusal(item.identifiers(), item.traits(), item.traitsOnce());
        return refusal == null ? item : BatchPlan.Item.invalid(item.index(), refusal);
    }

    private List<Outcome> planned(Connection c, String workspaceId, List<BatchPlan.Item> items,
                                  ChangeLogWriter.Source source, boolean full, boolean optimistic)
            throws SQLException {
        try (Statement set = c.createStatement()) {
            // PostgreSQL kept planning MERGE_MANY afresh on every call (custom plans: 1.2 ms of planning for 0.7 ms
            // of execution, as the generic plan's estimate of unnest's rows looks dearer); its generic plan made a
            // one-profile merge about twice as cheap (bench/README.md, "One identify path"). Only this transaction.
            set.execute(GENERIC_PLANS);
        }
        Set<IdentityKey> keys = BatchPlan.keysNamed(items, identityKeys);
        Set<String> ids = BatchPlan.idsNamed(items);
        boolean assumeIds = optimistic && keys.isEmpty();
        ProfileBatchRepository.Resolved resolved = repository.resolve(c, workspaceId, keys, assumeIds ? Set.of() : ids);
        Map<String, Long> existing = resolved.existing();
        if (assumeIds) {
            existing = new HashMap<>();
            for (String id : ids) {
                existing.put(id, null);
            }
        }
        BatchPlan plan = BatchPlan.of(items, resolved.owners(), existing, suppressions.suppressed(c, workspaceId, keys),
                identityKeys, ProfileIds::generate);

        Map<Integer, List<BatchPlan.Step>> waves = new TreeMap<>();
        plan.steps().forEach(s -> waves.computeIfAbsent(s.wave(), w -> new ArrayList<>()).add(s));
        List<ChangeLogWriter.Change> changes = new ArrayList<>();
        Map<String, Profile> profiles = new HashMap<>();
        try {
            for (List<BatchPlan.Step> wave : waves.values()) {
                applyWave(c, workspaceId, wave, changes, source, full, profiles);
            }
            changeLog.append(c, changes);
        } catch (SQLException e) {
            // Deadlock with a concurrent batch or serialization failure: worth planning again.
            if ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState())) {
                throw new Mispredicted("database asked to retry: " + e.getSQLState());
            }
            throw e;
        }

        Outcome[] outcomes = new Outcome[items.size()];
        plan.failures().forEach((index, problem) -> outcomes[index] = new Outcome(index, 0, null, null, problem));
        for (Map.Entry<Integer, List<String>> m : plan.mergeable().entrySet()) {
            // Read only now: a profile created earlier in this batch exists (and is the youngest) by this point.
            List<String> oldestFirst = repository.oldestFirst(c, workspaceId, m.getValue());
            if (oldestFirst.size() >= 2) {
                int index = m.getKey();
                outcomes[index] = new Outcome(index, 0, null, null,
                        BatchPlan.withMerge(plan.failures().get(index), oldestFirst));
            }
        }
        for (BatchPlan.Step s : plan.steps()) {
            for (BatchPlan.Item item : s.items()) {
                outcomes[item.index()] = new Outcome(item.index(), s.status(), s.profileId(),
                        profiles.get(s.profileId()), null);
            }
        }
        return List.of(outcomes);
    }

    /** Applies one wave and adds its changes, in version order, to {@code changes}. */
    private void applyWave(Connection c, String workspaceId, List<BatchPlan.Step> wave,
                           List<ChangeLogWriter.Change> changes, ChangeLogWriter.Source source, boolean full,
                           Map<String, Profile> profiles) throws SQLException {
        List<ProfileBatchRepository.NewProfile> creates = new ArrayList<>();
        List<ProfileBatchRepository.Patch> merges = new ArrayList<>();
        for (BatchPlan.Step s : wave) {
            if (s.kind() == BatchPlan.Kind.CREATE) {
                creates.add(new ProfileBatchRepository.NewProfile(s.profileId(), document(s.identifiers()),
                        document(s.traits()), s.claims()));
            } else {
                merges.add(new ProfileBatchRepository.Patch(s.profileId(), sequence(s.identifiers()),
                        sequence(s.traits()), s.traitsOnce() == null ? null : s.traitsOnce().toString(), s.touched(),
                        s.wanted(), s.expectedVersion()));
            }
        }
        if (!creates.isEmpty()) {
            Map<String, ProfileBatchRepository.CreatedRow> created = repository.createMany(c, workspaceId, creates,
                    limits, full);
            for (ProfileBatchRepository.NewProfile p : creates) {
                ProfileBatchRepository.CreatedRow row = created.get(p.id());
                if (row.claimed() < 0) {
                    throw new TooLarge("new profile " + p.id() + " is larger than a limit",
                            row.bytes() > limits.maxProfileBytes()
                                    ? ProfileLimits.tooLarge(row.bytes(), limits.maxProfileBytes())
                                    : ProfileLimits.tooManyLeaves(row.leaves(), limits.maxProfileLeaves(), false));
                }
                if (row.claimed() != p.keys().size()) {
                    throw new Mispredicted("a unique value of new profile " + p.id() + " was claimed concurrently");
                }
                changes.add(ChangeLogWriter.Change.upsert(workspaceId, p.id(), row.version(), row.event(),
                        ChangeLogWriter.Cause.CREATE, source));
                profiles.put(p.id(), row.profile());
            }
        }
        if (!merges.isEmpty()) {
            Map<String, ProfileBatchRepository.MergeRow> rows = repository.mergeMany(c, workspaceId, merges,
                    limits, full);
            for (ProfileBatchRepository.Patch p : merges) {
                ProfileBatchRepository.MergeRow row = rows.get(p.id());
                if (row == null) {
                    throw new Mispredicted("profile " + p.id() + " is missing (deleted concurrently, or not read)");
                }
                if (p.expectedVersion() != null && row.previousVersion() != p.expectedVersion()) {
                    throw new Mispredicted("profile " + p.id() + " is at version " + row.previousVersion()
                            + ", not the expected " + p.expectedVersion());
                }
                if (row.tooLarge()) {
                    throw new TooLarge("profile " + p.id() + " would grow beyond the byte limit",
                            ProfileLimits.tooLarge(row.newBytes(), limits.maxProfileBytes()));
                }
                if (row.tooManyLeaves()) {
                    throw new TooLarge("profile " + p.id() + " would grow beyond the leaf limit",
                            ProfileLimits.tooManyLeaves(row.newLeaves(), limits.maxProfileLeaves(), false));
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
                profiles.put(p.id(), row.profile());
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

    /** Keys are re-pointed as the plan read them from the patch; the stored document must agree. */
    private boolean sameKeys(ProfileBatchRepository.Patch p, ProfileBatchRepository.MergeRow row) throws SQLException {
        List<IdentityKey> stored = identityKeys.extract(ProfileRepository.object(row.identifiers())).stream()
                .filter(k -> p.touched().contains(k.name())).toList();
        return new HashSet<>(stored).equals(new HashSet<>(p.wanted()));
    }

    private List<ItemResult> oneByOne(String workspaceId, List<BatchPlan.Item> items,
                                      ChangeLogWriter.Source source) {
        List<ItemResult> results = new ArrayList<>(items.size());
        for (BatchPlan.Item item : items) {
            try {
                results.add(one(workspaceId, item, source).result());
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

    /** A write of the plan would exceed a profile size limit ({@code problem} says which); rolls it back. */
    private static final class TooLarge extends RuntimeException {
        final ProblemException problem;

        TooLarge(String message, ProblemException problem) {
            super(message, null, false, false);
            this.problem = problem;
        }
    }

    /** The plan's prediction did not hold; rolls the transaction back. */
    private static final class Mispredicted extends RuntimeException {
        Mispredicted(String message) {
            super(message, null, false, false);
        }
    }
}
