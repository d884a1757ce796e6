package io.profilehub.erasure;

import io.profilehub.destination.ChangeKind;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.profilehub.suppression.Suppressions;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.destination.Destinations;
import io.profilehub.http.ProblemException;
import io.profilehub.outbox.OutboxSignal;
import io.profilehub.identity.IdentityKey;
import io.profilehub.identity.IdentityKeys;
import io.profilehub.outbox.ChangeLogWriter;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;

/**
 * Forgets a user: here in one transaction, and at every destination through erasure events that queue behind
 * whatever was already in flight for the user.
 */
@Singleton
public class ErasureService {
    private final TransactionOperations<Connection> tx;
    private final ErasureRepository repository;
    private final Destinations destinations;
    private final RemovalEvents removals;
    private final IdentityKeys identityKeys;
    private final Suppressions suppressions;
    private final OutboxSignal outboxSignal;
    private final IdempotencyStore idempotency;
    private final ChangeLogWriter changeLog;
    private final ObjectMapper objectMapper;
    private final VendorAnswers vendorAnswers;

    public ErasureService(TransactionOperations<Connection> tx, ErasureRepository repository,
                          Destinations destinations, RemovalEvents removals,
                          IdentityKeys identityKeys, Suppressions suppressions, OutboxSignal outboxSignal,
                          IdempotencyStore idempotency, ChangeLogWriter changeLog, ObjectMapper objectMapper,
                          VendorAnswers vendorAnswers) {
        this.vendorAnswers = vendorAnswers;
        this.objectMapper = objectMapper;
        this.changeLog = changeLog;
        this.idempotency = idempotency;
        this.outboxSignal = outboxSignal;
        this.tx = tx;
        this.repository = repository;
        this.destinations = destinations;
        this.removals = removals;
        this.identityKeys = identityKeys;
        this.suppressions = suppressions;
    }

    /** Erases the user, or returns the existing record when it already was; empty when the id never existed. */
    public Optional<ErasureRecord> erase(String workspaceId, String userId, boolean suppress) {
        Optional<ErasureRecord> record = tx.executeWrite(status -> {
            Connection c = status.getConnection();
            Optional<ErasureRepository.Target> target = repository.lock(c, workspaceId, userId);
            if (target.isPresent()) {
                ErasureRepository.Erasure erasure = plan(c, workspaceId, userId, target.get(), suppress);
                vendorAnswers.scrub(c, workspaceId, userId); // reads the person's values: before they are deleted
                // A merge of this person into another profile, undone since, left the merged state in that profile's
                // log (its history and export replay it): that one version goes with the person.
                for (ErasureRepository.Copy copy : repository.copies(c, workspaceId, userId)) {
                    changeLog.scrubVersion(c, workspaceId, copy.profileId(), copy.version());
                }
                ErasureRepository.Erased erased = repository.erase(c, workspaceId, userId, erasure);
                idempotency.scrub(workspaceId, userId);
                changeLog.scrub(c, workspaceId, userId);
                // What it absorbed in merges goes with it (the statement deleted the merges and aliases): their changes.
                for (String absorbed : erased.absorbed()) {
                    idempotency.scrub(workspaceId, absorbed);
                    changeLog.scrub(c, workspaceId, absorbed);
                }
                List<ChangeLogWriter.Change> events = new ArrayList<>();
                for (int i = 0; i < erasure.destinations().size(); i++) {
                    events.add(new ChangeLogWriter.Change(workspaceId, userId, target.get().version() + 1,
                            ChangeKind.DELETE, erasure.payloads().get(i), erasure.destinations().get(i),
                            ChangeLogWriter.Cause.ERASURE, ChangeLogWriter.Source.SERVICE));
                }
                changeLog.append(c, events);
            }
            return record(c, workspaceId, userId);
        });
        outboxSignal.committed(workspaceId);
        return record;
    }

    private ErasureRepository.Erasure plan(Connection c, String workspaceId, String userId,
                                           ErasureRepository.Target target, boolean suppress) throws SQLException {
        ObjectNode identifiers = object(target.identifiersJson());
        List<String> names = destinations.namesFor(workspaceId);
        List<String> payloads = new ArrayList<>();
        for (String name : names) {
            payloads.add(removals.event(workspaceId, userId, target.version() + 1,
                    removals.locator(name, userId, identifiers), null));
        }
        List<String> hashes = new ArrayList<>();
        List<String> hashKeys = new ArrayList<>();
        if (suppress) {
            for (IdentityKey key : everHeld(c, workspaceId, userId, identifiers)) {
                hashes.add(suppressions.hash(workspaceId, key));
                hashKeys.add(key.name());
            }
        }
        return new ErasureRepository.Erasure(names, payloads, hashes, hashKeys, suppress);
    }

    /**
     * The unique values to suppress: every one the person held within retention, not only the current ones. A merged
     * survivor's absorbed profile may have lost a value in the merge (released: nobody holds it now), and a
     * profile may have changed its email since; either, sent again later, would re-create the person. The change log
     * and the merges' kept states hold them (read before they are scrubbed and deleted). A value another live
     * profile holds now is that profile's person's (a merge since undone, say) and is left alone: suppressing it
     * would refuse that person's own writes.
     */
    private Set<IdentityKey> everHeld(Connection c, String workspaceId, String userId, ObjectNode current)
            throws SQLException {
        Set<IdentityKey> keys = new LinkedHashSet<>(identityKeys.extract(current));
        for (String document : repository.formerIdentifiers(c, workspaceId, userId)) {
            keys.addAll(identityKeys.extract(object(document)));
        }
        List<IdentityKey> list = List.copyOf(keys);
        Set<String> others = repository.heldByOthers(c, workspaceId, userId,
                list.stream().map(IdentityKey::name).toList(), list.stream().map(IdentityKey::value).toList());
        keys.removeIf(k -> others.contains(k.name() + '\n' + k.value()));
        return keys;
    }

    private ObjectNode object(String json) throws SQLException {
        try {
            return (ObjectNode) objectMapper.reader(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readTree(json);
        } catch (Exception e) {
            throw new SQLException("stored identifiers are not a JSON object", e);
        }
    }

    public Optional<ErasureRecord> find(String workspaceId, String userId) {
        return tx.executeRead(status -> record(status.getConnection(), workspaceId, userId));
    }

    public record Page(List<ErasureRecord> data, String nextAfter) {
    }

    public Page open(String workspaceId, String statusFilter, String after, int limit) {
        return tx.executeRead(status -> {
            Connection c = status.getConnection();
            List<String> ids = repository.open(c, workspaceId, statusFilter, after == null ? "" : after, limit + 1);
            boolean more = ids.size() > limit;
            List<String> page = more ? ids.subList(0, limit) : ids;
            List<ErasureRecord> records = page.isEmpty() ? List.of() : repository.records(c, workspaceId, page);
            return new Page(records, more ? page.get(page.size() - 1) : null);
        });
    }

    public void lift(String workspaceId, String hash) {
        boolean lifted = tx.executeWrite(status -> suppressions.lift(status.getConnection(), workspaceId, hash));
        if (!lifted) {
            throw ProblemException.notFound("No suppression with hash " + hash + " exists in this workspace.");
        }
    }

    private Optional<ErasureRecord> record(Connection c, String workspaceId, String userId) throws SQLException {
        return repository.records(c, workspaceId, List.of(userId)).stream().findFirst();
    }
}
