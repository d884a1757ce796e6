package io.profilehub.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.JsonInput;
import io.profilehub.http.Timestamps;
import io.profilehub.identity.IdentityKey;
import io.profilehub.profile.Profile;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The SQL of merges, their undo, and the aliases absorbed ids leave behind. */
@Singleton
public class MergeRepository {
    private static final String PROFILE_COLUMNS = """
            id, workspace_id, identifiers::text, traits::text, created_at, updated_at, version""";

    private static final String LOCK = "select version from profiles where workspace_id = ? and id = ? for update";

    private static final String ALIAS = """
            select profile_id, merge_id from profile_aliases where workspace_id = ? and alias_id = ?
            """;

    /* A profile as the merge found it, in the shape merges.before_* keep (V20), with the aliases it held. */
    private static final String BEFORE = """
            select jsonb_build_object(
                       'identifiers', p.identifiers, 'traits', p.traits, 'version', p.version,
                       'createdAt', p.created_at, 'updatedAt', p.updated_at,
                       'keys', coalesce((select jsonb_agg(jsonb_build_array(k.key_name, k.key_value)
                                                          order by k.key_name, k.key_value)
                                           from identity_keys k
                                          where k.workspace_id = p.workspace_id and k.profile_id = p.id), '[]'),
                       'aliases', coalesce((select jsonb_agg(a.alias_id order by a.alias_id)
                                              from profile_aliases a
                                             where a.workspace_id = p.workspace_id and a.profile_id = p.id), '[]')
                   )::text
              from profiles p where p.workspace_id = ? and p.id = ?
            """;

    /*
     * Recursive merge: jsonb_merge_patch(target, patch) keeps the patch's value on a conflict, so the preferred
     * profile is the patch. Stored documents hold no null members (writes strip or remove them), so nothing of the
     * patch removes anything. Sized as the write path sizes a profile.
     */
    private static final String COMPUTE = """
            select m.identifiers::text, m.traits::text,
                   octet_length(m.identifiers::text) + octet_length(m.traits::text)
              from (select case when ? then jsonb_merge_patch(s.identifiers, a.identifiers)
                                else jsonb_merge_patch(a.identifiers, s.identifiers) end as identifiers,
                           case when ? then jsonb_merge_patch(s.traits, a.traits)
                                else jsonb_merge_patch(a.traits, s.traits) end as traits
                      from profiles s, profiles a
                     where s.workspace_id = ? and s.id = ? and a.workspace_id = ? and a.id = ?) m
            """;

    private static final String WRITE = """
            update profiles set identifiers = ?::jsonb, traits = ?::jsonb, version = version + 1,
                                updated_at = clock_timestamp()
             where workspace_id = ? and id = ?
            returning %s,
                      profile_upsert_event(workspace_id, id, version, false, true, updated_at, identifiers, traits)::text
            """.formatted(PROFILE_COLUMNS);

    /* Keys of either profile the merged identifiers no longer hold (the losing side of a conflict) are released. */
    private static final String RELEASE_KEYS = """
            delete from identity_keys i
             where i.workspace_id = ? and i.profile_id in (?, ?)
               and not exists (select 1 from unnest(?::text[], ?::text[]) as w(name, value)
                                where w.name = i.key_name and w.value = i.key_value)
            returning i.key_name, i.key_value
            """;

    private static final String MOVE_KEYS = """
            update identity_keys set profile_id = ? where workspace_id = ? and profile_id = ?
            """;

    /* Claims any wanted value not held yet (none, while the keys match the identifiers); answers the shortfall. */
    private static final String CLAIM_KEYS = """
            with wanted as (
                select w.name, w.value from unnest(?::text[], ?::text[]) as w(name, value)
            ), claimed as (
                insert into identity_keys (workspace_id, key_name, key_value, profile_id)
                select ?, w.name, w.value, ? from wanted w
                on conflict do nothing
                returning key_name, key_value
            )
            select w.name, w.value, k.profile_id
              from wanted w
              left join identity_keys k on k.workspace_id = ? and k.key_name = w.name and k.key_value = w.value
             where not exists (select 1 from claimed c where c.key_name = w.name and c.key_value = w.value)
               and k.profile_id is distinct from ?
            """;

    private static final String DELETE_PROFILE = "delete from profiles where workspace_id = ? and id = ?";

    private static final String REPOINT_ALIASES = """
            update profile_aliases set profile_id = ? where workspace_id = ? and profile_id = ?
            """;

    private static final String INSERT_ALIAS = """
            insert into profile_aliases (workspace_id, alias_id, profile_id, merge_id) values (?, ?, ?, ?)
            """;

    private static final String INSERT_MERGE = """
            insert into merges (workspace_id, id, survivor_id, absorbed_id, prefer, survivor_version, before_survivor,
                                before_absorbed, expires_at, source_key_id, source_key_name, source_label,
                                removal_version)
            values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, now() + ? * interval '1 millisecond', ?, ?, ?, ?)
            """;

    private static final String MERGE_COLUMNS = """
            id, survivor_id, absorbed_id, prefer, status, created_at, undone_at, survivor_version,
            case when before_survivor is not null then expires_at end, source_key_id, source_key_name, source_label,
            removal_version, before_survivor::text, before_absorbed::text, expires_at""";

    private static final String FIND_MERGE = "select " + MERGE_COLUMNS + " from merges where workspace_id = ? and id = ?";

    private static final String LOCK_MERGE = FIND_MERGE + " for update";

    /*
     * A profile's merges, newest first (merges_survivor, merges_absorbed). The page key is the last merge's id: a
     * merge's record is never deleted, so its (created_at, id) stays where the next page starts.
     */
    private static final String PROFILE_MERGES = """
            select id, case when survivor_id = ? then 'survivor' else 'absorbed' end, survivor_id, absorbed_id, status,
                   created_at, undone_at
              from merges
             where workspace_id = ? and (survivor_id = ? or absorbed_id = ?)
               and (?::text is null or (created_at, id) < (select created_at, id from merges
                                                          where workspace_id = ? and id = ?))
             order by created_at desc, id desc
             limit ?
            """;

    /*
     * What changed in the survivor since the merge: the top-level members where it differs from the merged state,
     * recomputed from the kept state as COMPUTE made it.
     */
    private static final String CHANGED_FIELDS = """
            with m as (
                select case when g.prefer = 'from'
                            then jsonb_merge_patch(g.before_survivor -> 'identifiers', g.before_absorbed -> 'identifiers')
                            else jsonb_merge_patch(g.before_absorbed -> 'identifiers', g.before_survivor -> 'identifiers')
                       end as identifiers,
                       case when g.prefer = 'from'
                            then jsonb_merge_patch(g.before_survivor -> 'traits', g.before_absorbed -> 'traits')
                            else jsonb_merge_patch(g.before_absorbed -> 'traits', g.before_survivor -> 'traits')
                       end as traits
                  from merges g where g.workspace_id = ? and g.id = ?
            )
            select 'identifiers.' || k from m, profiles p, jsonb_object_keys(jsonb_merge_diff(m.identifiers, p.identifiers)) k
             where p.workspace_id = ? and p.id = ?
            union all
            select 'traits.' || k from m, profiles p, jsonb_object_keys(jsonb_merge_diff(m.traits, p.traits)) k
             where p.workspace_id = ? and p.id = ?
            """;

    private static final String RETIRED = "select 1 from retired_profile_ids where workspace_id = ? and id = ?";

    private static final String RESTORE_SURVIVOR = """
            update profiles set identifiers = (?::jsonb) -> 'identifiers', traits = (?::jsonb) -> 'traits',
                                created_at = ((?::jsonb) ->> 'createdAt')::timestamptz, version = version + 1,
                                updated_at = clock_timestamp()
             where workspace_id = ? and id = ?
            returning %s,
                      profile_upsert_event(workspace_id, id, version, false, true, updated_at, identifiers, traits)::text
            """.formatted(PROFILE_COLUMNS);

    private static final String RECREATE_ABSORBED = """
            insert into profiles (workspace_id, id, identifiers, traits, created_at, updated_at, version)
            select ?, ?, b -> 'identifiers', b -> 'traits', (b ->> 'createdAt')::timestamptz, clock_timestamp(), ?
              from (select ?::jsonb as b) x
            returning %s,
                      profile_upsert_event(workspace_id, id, version, true, true, updated_at, identifiers, traits)::text
            """.formatted(PROFILE_COLUMNS);

    private static final String DROP_KEYS = "delete from identity_keys where workspace_id = ? and profile_id = ?";

    private static final String RESTORE_ALIASES = """
            with gone as (
                delete from profile_aliases where workspace_id = ? and alias_id = ?
            )
            update profile_aliases set profile_id = ?
             where workspace_id = ? and profile_id = ? and alias_id = any(?::text[])
            """;

    private static final String MARK_UNDONE = """
            update merges set status = 'undone', undone_at = now(), before_survivor = null, before_absorbed = null
             where workspace_id = ? and id = ?
            returning undone_at
            """;

    /*
     * The merge's changes as each destination sees them (delivery_status, V18), read as SyncRepository reads a
     * profile's sync state: the survivor's upsert at the merge's version, the absorbed user's removal, and once
     * undone the restoring upserts one version later. The first row per (destination, profile, version, kind) is
     * the change itself; a later one with the same version is a backfill or retry for one destination.
     */
    private static final String DELIVERIES = """
            select distinct on (s.destination, s.profile_id, s.profile_version, s.kind)
                   s.destination, s.profile_id, s.profile_version, s.kind, s.status
              from delivery_status s
             where s.workspace_id = ?
               and ((s.profile_id = ? and s.profile_version in (?, ? + 1) and s.kind = 'upsert')
                 or (s.profile_id = ? and s.profile_version = ? and s.kind = 'delete')
                 or (s.profile_id = ? and s.profile_version = ? + 1 and s.kind = 'upsert'))
             order by s.destination, s.profile_id, s.profile_version, s.kind, s.seq
            """;

    public record Alias(String profileId, String mergeId) {
    }

    public record Written(Profile profile, String event) {
    }

    public record Computed(ObjectNode identifiers, ObjectNode traits, long bytes) {
    }

    public record Row(String id, String survivorId, String absorbedId, String prefer, String status, String createdAt,
                      String undoneAt, long survivorVersion, String undoableUntil, String sourceKeyId,
                      String sourceKeyName, String sourceLabel, Long removalVersion, ObjectNode beforeSurvivor,
                      ObjectNode beforeAbsorbed, String expiresAt) {
    }

    public record DeliveryRow(String destination, String profileId, long version, String kind, String status) {
    }

    /** Locks the profile's row; its version, or empty when there is no such profile. */
    public Optional<Long> lock(Connection c, String workspaceId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    public Optional<Alias> alias(Connection c, String workspaceId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ALIAS)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Alias(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    public ObjectNode before(Connection c, String workspaceId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(BEFORE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return object(rs.getString(1));
            }
        }
    }

    public Computed compute(Connection c, String workspaceId, String survivorId, String absorbedId, boolean preferFrom)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COMPUTE)) {
            ps.setBoolean(1, preferFrom);
            ps.setBoolean(2, preferFrom);
            ps.setString(3, workspaceId);
            ps.setString(4, survivorId);
            ps.setString(5, workspaceId);
            ps.setString(6, absorbedId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Computed(object(rs.getString(1)), object(rs.getString(2)), rs.getLong(3));
            }
        }
    }

    public Written write(Connection c, String workspaceId, String id, ObjectNode identifiers, ObjectNode traits)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(WRITE)) {
            ps.setString(1, identifiers.toString());
            ps.setString(2, traits.toString());
            ps.setString(3, workspaceId);
            ps.setString(4, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Written(profile(rs), rs.getString(8));
            }
        }
    }

    /**
     * Gives the survivor the keys its merged identifiers claim: releases the others of both profiles, moves the
     * absorbed profile's to it. Answers the wanted values another profile holds (none when all went well).
     */
    public Map<IdentityKey, String> moveKeys(Connection c, String workspaceId, String survivorId, String absorbedId,
                                             List<IdentityKey> wanted) throws SQLException {
        Object[] names = wanted.stream().map(IdentityKey::name).toArray();
        Object[] values = wanted.stream().map(IdentityKey::value).toArray();
        try (PreparedStatement ps = c.prepareStatement(RELEASE_KEYS)) {
            ps.setString(1, workspaceId);
            ps.setString(2, survivorId);
            ps.setString(3, absorbedId);
            ps.setArray(4, c.createArrayOf("text", names));
            ps.setArray(5, c.createArrayOf("text", values));
            ps.executeQuery().close();
        }
        try (PreparedStatement ps = c.prepareStatement(MOVE_KEYS)) {
            ps.setString(1, survivorId);
            ps.setString(2, workspaceId);
            ps.setString(3, absorbedId);
            ps.executeUpdate();
        }
        return claim(c, workspaceId, survivorId, wanted);
    }

    private Map<IdentityKey, String> claim(Connection c, String workspaceId, String profileId, List<IdentityKey> keys)
            throws SQLException {
        Map<IdentityKey, String> taken = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(CLAIM_KEYS)) {
            ps.setArray(1, c.createArrayOf("text", keys.stream().map(IdentityKey::name).toArray()));
            ps.setArray(2, c.createArrayOf("text", keys.stream().map(IdentityKey::value).toArray()));
            ps.setString(3, workspaceId);
            ps.setString(4, profileId);
            ps.setString(5, workspaceId);
            ps.setString(6, profileId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    taken.put(new IdentityKey(rs.getString(1), rs.getString(2)), rs.getString(3));
                }
            }
        }
        return taken;
    }

    public void absorb(Connection c, String workspaceId, String survivorId, String absorbedId, String mergeId)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_PROFILE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, absorbedId);
            ps.executeUpdate();
        }
        // Ids the absorbed profile had absorbed answer for the survivor now, in one redirect.
        try (PreparedStatement ps = c.prepareStatement(REPOINT_ALIASES)) {
            ps.setString(1, survivorId);
            ps.setString(2, workspaceId);
            ps.setString(3, absorbedId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT_ALIAS)) {
            ps.setString(1, workspaceId);
            ps.setString(2, absorbedId);
            ps.setString(3, survivorId);
            ps.setString(4, mergeId);
            ps.executeUpdate();
        }
    }

    public record NewMerge(String workspaceId, String id, String survivorId, String absorbedId, String prefer,
                           long survivorVersion, ObjectNode beforeSurvivor, ObjectNode beforeAbsorbed,
                           long retentionMillis, String sourceKeyId, String sourceKeyName, String sourceLabel,
                           long removalVersion) {
    }

    public void insert(Connection c, NewMerge m) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_MERGE)) {
            ps.setString(1, m.workspaceId());
            ps.setString(2, m.id());
            ps.setString(3, m.survivorId());
            ps.setString(4, m.absorbedId());
            ps.setString(5, m.prefer());
            ps.setLong(6, m.survivorVersion());
            ps.setString(7, m.beforeSurvivor().toString());
            ps.setString(8, m.beforeAbsorbed().toString());
            ps.setLong(9, m.retentionMillis());
            ps.setString(10, m.sourceKeyId());
            ps.setString(11, m.sourceKeyName());
            ps.setString(12, m.sourceLabel());
            ps.setLong(13, m.removalVersion());
            ps.executeUpdate();
        }
    }

    public Optional<Row> find(Connection c, String workspaceId, String id, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(forUpdate ? LOCK_MERGE : FIND_MERGE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String bs = rs.getString(14);
                String ba = rs.getString(15);
                return Optional.of(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), Timestamps.iso(rs.getTimestamp(6)), Timestamps.iso(rs.getTimestamp(7)),
                        rs.getLong(8), Timestamps.iso(rs.getTimestamp(9)), rs.getString(10), rs.getString(11),
                        rs.getString(12), (Long) rs.getObject(13), bs == null ? null : object(bs),
                        ba == null ? null : object(ba), Timestamps.iso(rs.getTimestamp(16))));
            }
        }
    }

    /** Up to {@code limit} merges of the profile, newest first, after the merge {@code afterId} (null: from the newest). */
    public List<MergeSummary> forProfile(Connection c, String workspaceId, String profileId, String afterId, int limit)
            throws SQLException {
        List<MergeSummary> merges = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(PROFILE_MERGES)) {
            ps.setString(1, profileId);
            ps.setString(2, workspaceId);
            ps.setString(3, profileId);
            ps.setString(4, profileId);
            ps.setString(5, afterId);
            ps.setString(6, workspaceId);
            ps.setString(7, afterId);
            ps.setInt(8, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    merges.add(new MergeSummary(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), Timestamps.iso(rs.getTimestamp(6)), Timestamps.iso(rs.getTimestamp(7))));
                }
            }
        }
        return merges;
    }

    /** The survivor's top-level fields that differ from what the merge wrote. */
    public List<String> changedFields(Connection c, String workspaceId, String mergeId, String survivorId)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CHANGED_FIELDS)) {
            ps.setString(1, workspaceId);
            ps.setString(2, mergeId);
            ps.setString(3, workspaceId);
            ps.setString(4, survivorId);
            ps.setString(5, workspaceId);
            ps.setString(6, survivorId);
            List<String> fields = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fields.add(rs.getString(1));
                }
            }
            return fields;
        }
    }

    public boolean retired(Connection c, String workspaceId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RETIRED)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public Written restoreSurvivor(Connection c, String workspaceId, String id, ObjectNode before) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RESTORE_SURVIVOR)) {
            ps.setString(1, before.toString());
            ps.setString(2, before.toString());
            ps.setString(3, before.toString());
            ps.setString(4, workspaceId);
            ps.setString(5, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Written(profile(rs), rs.getString(8));
            }
        }
    }

    public Written recreate(Connection c, String workspaceId, String id, ObjectNode before, long version)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RECREATE_ABSORBED)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            ps.setLong(3, version);
            ps.setString(4, before.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Written(profile(rs), rs.getString(8));
            }
        }
    }

    /**
     * Gives both profiles back exactly the keys they held before the merge. Answers the values another profile
     * claimed since (a key the merge released), none when all went well.
     */
    public Map<IdentityKey, String> restoreKeys(Connection c, String workspaceId, String survivorId,
                                                List<IdentityKey> survivorKeys, String absorbedId,
                                                List<IdentityKey> absorbedKeys) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DROP_KEYS)) {
            ps.setString(1, workspaceId);
            ps.setString(2, survivorId);
            ps.executeUpdate();
        }
        Map<IdentityKey, String> taken = new LinkedHashMap<>(claim(c, workspaceId, survivorId, survivorKeys));
        taken.putAll(claim(c, workspaceId, absorbedId, absorbedKeys));
        return taken;
    }

    public void restoreAliases(Connection c, String workspaceId, String survivorId, String absorbedId,
                               List<String> aliases) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RESTORE_ALIASES)) {
            ps.setString(1, workspaceId);
            ps.setString(2, absorbedId);
            ps.setString(3, absorbedId);
            ps.setString(4, workspaceId);
            ps.setString(5, survivorId);
            ps.setArray(6, c.createArrayOf("text", aliases.toArray()));
            ps.executeUpdate();
        }
    }

    public String markUndone(Connection c, String workspaceId, String mergeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MARK_UNDONE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, mergeId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Timestamps.iso(rs.getTimestamp(1));
            }
        }
    }

    public List<DeliveryRow> deliveries(Connection c, String workspaceId, Row merge) throws SQLException {
        List<DeliveryRow> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(DELIVERIES)) {
            ps.setString(1, workspaceId);
            ps.setString(2, merge.survivorId());
            ps.setLong(3, merge.survivorVersion());
            ps.setLong(4, merge.survivorVersion());
            ps.setString(5, merge.absorbedId());
            ps.setObject(6, merge.removalVersion(), Types.BIGINT);
            ps.setString(7, merge.absorbedId());
            ps.setObject(8, merge.removalVersion(), Types.BIGINT);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new DeliveryRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                            rs.getString(5)));
                }
            }
        }
        return rows;
    }

    static Profile profile(ResultSet rs) throws SQLException {
        return new Profile(rs.getString(1), rs.getString(2), object(rs.getString(3)), object(rs.getString(4)),
                Timestamps.iso(rs.getTimestamp(5)), Timestamps.iso(rs.getTimestamp(6)), rs.getLong(7));
    }

    static ObjectNode object(String json) throws SQLException {
        try {
            JsonNode node = JsonInput.MAPPER.readTree(json);
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            throw new SQLException("stored document is not JSON", e);
        }
    }
}
