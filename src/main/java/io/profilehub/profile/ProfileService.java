package io.profilehub.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.outbox.ChangeLogWriter;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.util.Optional;

/**
 * Reads profiles, and creates, resolves and merges them one call at a time. A single identify is a batch of one
 * ({@link ProfileBatchService}): one planner, one set of statements and messages for both.
 */
@Singleton
public class ProfileService {

    public record Identified(Profile profile, boolean created) {
    }

    private final TransactionOperations<Connection> tx;
    private final ProfileRepository repository;
    private final ProfileBatchService writes;

    public ProfileService(TransactionOperations<Connection> tx, ProfileRepository repository,
                          ProfileBatchService writes) {
        this.tx = tx;
        this.repository = repository;
        this.writes = writes;
    }

    public Optional<Profile> get(String workspaceId, String id) {
        return tx.executeRead(status -> repository.find(status.getConnection(), workspaceId, id));
    }

    /** POST /identify: merge into the one profile the unique identifiers resolve to, or create one. */
    public Identified identify(String workspaceId, ObjectNode identifiers, ObjectNode traits, ObjectNode traitsOnce,
                               ChangeLogWriter.Source source) {
        ProfileBatchService.Outcome outcome = writes.one(workspaceId,
                new BatchPlan.Item(0, null, identifiers, traits, traitsOnce, null, null), source);
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        return new Identified(outcome.profile(), outcome.status() == 201);
    }

    /** POST /identify/{id} and /track/{id}: merge patches into an existing profile. */
    public Profile update(String workspaceId, String id, ObjectNode identifiersPatch, ObjectNode traitsPatch,
                          ObjectNode traitsOnce, Long expectedVersion, ChangeLogWriter.Source source) {
        ProfileBatchService.Outcome outcome = writes.one(workspaceId,
                new BatchPlan.Item(0, id, identifiersPatch, traitsPatch, traitsOnce, expectedVersion, null), source);
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        return outcome.profile();
    }
}
