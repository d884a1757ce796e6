package io.profilehub.erasure;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Embeddable;
import io.micronaut.data.annotation.EmbeddedId;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.profilehub.http.Timestamps;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The SQL of erasure: one statement deletes the person here and queues their erasure everywhere. */
@Singleton
public class ErasureRepository {
    public record Target(String identifiersJson, long version) {
    }

    private static final String LOCK = """
            select identifiers::text, version from profiles where workspace_id = ? and id = ? for update
            """;

    /*
     * Deletes the profile, its key values and its id for good; records the erasure with one row per destination,
     * and the suppression hashes asked for. The caller scrubs the person's changes and appends the erasure events.
     *
     * What the profile absorbed in merges goes with it: the ids it absorbed (aliases, also of merges it absorbed in
     * turn, as those were re-pointed to it) are retired like its own, and every merge either took part in is
     * deleted with its kept state. Two deletes of merges, not one with OR: with OR the plan read every merge of the
     * workspace (index condition on workspace_id alone); apart, EXPLAIN over 20,000 merges shows each on its index
     * (merges_survivor, merges_absorbed). In this statement rather than one of its own: erasures run a thousand to
     * a bulk request, and a round trip each counted there.
     */
    private static final String ERASE = """
            with gone as (
                delete from profiles where workspace_id = ? and id = ? returning workspace_id, id, version
            ), keys as (
                delete from identity_keys k using gone g
                 where k.workspace_id = g.workspace_id and k.profile_id = g.id
            ), retired as (
                insert into retired_profile_ids (workspace_id, id) select workspace_id, id from gone
            ), record as (
                insert into erasures (workspace_id, user_id, suppressed, status, completed_at)
                select workspace_id, id, ?,
                       case when cardinality(?::text[]) = 0 then 'completed' else 'in_progress' end,
                       case when cardinality(?::text[]) = 0 then now() end
                  from gone
            ), per_destination as (
                insert into erasure_destinations (workspace_id, user_id, destination)
                select g.workspace_id, g.id, d.name from gone g cross join unnest(?::text[]) as d(name)
            ), suppressed as (
                insert into suppressions (workspace_id, hash, key_name)
                select g.workspace_id, s.hash, s.key_name from gone g cross join unnest(?::text[], ?::text[]) as s(hash, key_name)
                on conflict do nothing
            ), aliases as (
                delete from profile_aliases a using gone g where a.workspace_id = g.workspace_id and a.profile_id = g.id
                returning a.workspace_id, a.alias_id
            ), merged_ids as (
                select alias_id as id from aliases union all select id from gone
            ), as_survivor as (
                delete from merges m where m.workspace_id = ? and m.survivor_id = any(array(select id from merged_ids))
            ), as_absorbed as (
                delete from merges m where m.workspace_id = ? and m.absorbed_id = any(array(select id from merged_ids))
            ), retired_aliases as (
                insert into retired_profile_ids (workspace_id, id) select workspace_id, alias_id from aliases
                on conflict do nothing
            )
            select (select count(*) from gone), array(select alias_id from aliases order by alias_id)
            """;

    /*
     * Every identifiers document the person's data still holds within retention: each upsert in the change log of
     * the profile and of every id it absorbed (merges still in effect), and the pre-merge state those merges keep for
     * undo (the values an absorbed profile lost in its merge are there, and in its own upserts). Read before ERASE,
     * which deletes the merges. Written without the jsonb ? operator, which JDBC would take for a parameter.
     */
    private static final String FORMER_IDENTIFIERS = """
            with ids as (
                select ?::text as id
                union
                select alias_id from profile_aliases where workspace_id = ? and profile_id = ?
            )
            select c.change -> 'identifiers' from change_log c
             where c.workspace_id = ? and c.profile_id in (select id from ids) and c.kind = 'upsert'
               and c.change -> 'identifiers' is not null
            union all
            select b.doc -> 'identifiers'
              from merges m cross join lateral (values (m.before_survivor), (m.before_absorbed)) as b(doc)
             where m.workspace_id = ? and m.status = 'merged' and b.doc is not null
               and (m.survivor_id in (select id from ids) or m.absorbed_id in (select id from ids))
            """;

    /*
     * Undone merges that absorbed the person: the survivor's upsert at the merge's version carries the person's
     * values (the merged state), and the undo left it in the survivor's log. Read before ERASE deletes the merges.
     */
    private static final String COPIES = """
            select survivor_id, survivor_version from merges
             where workspace_id = ? and absorbed_id = ? and status = 'undone'
            """;

    /* Of these unique values, the ones another live profile holds: they are that person's, not the erased one's. */
    private static final String HELD_BY_OTHERS = """
            select k.key_name, k.key_value
              from identity_keys k join unnest(?::text[], ?::text[]) as v(name, value)
                on k.key_name = v.name and k.key_value = v.value
             where k.workspace_id = ? and k.profile_id <> ?
            """;

    /** A row of {@code erasures}: the table {@link Reads} works on (its statements are hand-written). */
    @MappedEntity("erasures")
    public record Row(@EmbeddedId RowKey id, Instant requestedAt, String status, boolean suppressed,
                      @Nullable Instant completedAt) {
    }

    @Embeddable
    public record RowKey(@MappedProperty("workspace_id") String workspaceId, @MappedProperty("user_id") String userId) {
    }

    /** An erasure joined with one of its destinations (none: the destination columns are null). */
    @Introspected
    public record RecordRow(String userId, Instant requestedAt, String status, boolean suppressed,
                            @Nullable Instant completedAt, @Nullable String destination,
                            @Nullable String destinationStatus, @Nullable String detail, @Nullable Integer lastStatus,
                            @Nullable Instant updatedAt) {
    }

    /** The reads of erasure records; they join the caller's transaction. */
    @JdbcRepository(dialect = Dialect.POSTGRES)
    public interface Reads extends GenericRepository<Row, RowKey> {

        @Query("""
                select e.user_id, e.requested_at, e.status, e.suppressed, e.completed_at,
                       d.destination, d.status as destination_status, d.detail, d.last_status, d.updated_at
                  from erasures e
                  left join erasure_destinations d on d.workspace_id = e.workspace_id and d.user_id = e.user_id
                 where e.workspace_id = :workspaceId and e.user_id = any(cast(:userIds as text[]))
                 order by e.requested_at, e.user_id, d.destination
                """)
        List<RecordRow> records(String workspaceId, String[] userIds);

        /** Every status when {@code status} is null. */
        @Query("""
                select user_id from erasures
                 where workspace_id = :workspaceId and (cast(:status as text) is null or status = :status)
                   and user_id > :afterUserId
                 order by user_id limit :limit
                """)
        List<String> userIds(String workspaceId, @Nullable String status, String afterUserId, int limit);
    }

    private final Reads reads;

    public ErasureRepository(Reads reads) {
        this.reads = reads;
    }

    public Optional<Target> lock(Connection c, String workspaceId, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK)) {
            ps.setString(1, workspaceId);
            ps.setString(2, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Target(rs.getString(1), rs.getLong(2))) : Optional.empty();
            }
        }
    }

    /** A profile's upsert version that holds a copy of another person's data. */
    public record Copy(String profileId, long version) {
    }

    public List<Copy> copies(Connection c, String workspaceId, String userId) throws SQLException {
        List<Copy> copies = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(COPIES)) {
            ps.setString(1, workspaceId);
            ps.setString(2, userId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    copies.add(new Copy(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return copies;
    }

    /** The identifiers documents (JSON text) the person's changes and kept merge states hold. */
    public List<String> formerIdentifiers(Connection c, String workspaceId, String userId) throws SQLException {
        List<String> documents = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(FORMER_IDENTIFIERS)) {
            ps.setString(1, userId);
            ps.setString(2, workspaceId);
            ps.setString(3, userId);
            ps.setString(4, workspaceId);
            ps.setString(5, workspaceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    documents.add(rs.getString(1));
                }
            }
        }
        return documents;
    }

    /** Of the (name, value) pairs, those a profile other than {@code userId} holds, as "name\nvalue". */
    public java.util.Set<String> heldByOthers(Connection c, String workspaceId, String userId, List<String> names,
                                              List<String> values) throws SQLException {
        java.util.Set<String> held = new java.util.HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(HELD_BY_OTHERS)) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            ps.setArray(2, c.createArrayOf("text", values.toArray()));
            ps.setString(3, workspaceId);
            ps.setString(4, userId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    held.add(rs.getString(1) + '\n' + rs.getString(2));
                }
            }
        }
        return held;
    }

    public record Erasure(List<String> destinations, List<String> payloads, List<String> hashes, List<String> hashKeys,
                          boolean suppress) {
    }

    /** {@code absorbed}: the ids the profile had absorbed in merges, retired with it. */
    public record Erased(boolean found, List<String> absorbed) {
    }

    public Erased erase(Connection c, String workspaceId, String userId, Erasure erasure) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ERASE)) {
            String[] names = erasure.destinations().toArray(String[]::new);
            ps.setString(1, workspaceId);
            ps.setString(2, userId);
            ps.setBoolean(3, erasure.suppress());
            ps.setArray(4, c.createArrayOf("text", names));
            ps.setArray(5, c.createArrayOf("text", names));
            ps.setArray(6, c.createArrayOf("text", names));
            ps.setArray(7, c.createArrayOf("text", erasure.hashes().toArray()));
            ps.setArray(8, c.createArrayOf("text", erasure.hashKeys().toArray()));
            ps.setString(9, workspaceId);
            ps.setString(10, workspaceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Erased(rs.getLong(1) > 0, List.of((String[]) rs.getArray(2).getArray()));
            }
        }
    }

    /**
     * The erasure records of these users, in the order they were requested. {@code c}: the caller's transaction's
     * connection, which the statement uses by joining that transaction.
     */
    public List<ErasureRecord> records(Connection c, String workspaceId, List<String> userIds) throws SQLException {
        Map<String, ErasureRecord> records = new LinkedHashMap<>();
        for (RecordRow row : reads.records(workspaceId, userIds.toArray(String[]::new))) {
            ErasureRecord record = records.computeIfAbsent(row.userId(), id -> new ErasureRecord(id,
                    iso(row.requestedAt()), ErasureStatus.of(row.status()), row.suppressed(), iso(row.completedAt()),
                    new ArrayList<>()));
            if (row.destination() != null) {
                record.destinations().add(new ErasureRecord.DestinationStatus(row.destination(),
                        ErasureDestinationStatus.of(row.destinationStatus()), row.detail(), row.lastStatus(),
                        iso(row.updatedAt())));
            }
        }
        return new ArrayList<>(records.values());
    }

    /** Users with an erasure (in {@code status}, or any when null) after {@code afterUserId}, at most {@code limit}. */
    public List<String> open(Connection c, String workspaceId, String status, String afterUserId, int limit)
            throws SQLException {
        return reads.userIds(workspaceId, status, afterUserId, limit);
    }

    private static String iso(Instant instant) {
        return Timestamps.iso(instant);
    }
}
