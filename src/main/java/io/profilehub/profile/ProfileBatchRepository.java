package io.profilehub.profile;

import io.profilehub.identity.IdentityKey;
import jakarta.inject.Singleton;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of every identify write (POST /identify, POST /identify/{id}, /track/{id} and POST /identify/batch; a
 * single call is a batch of one): one statement resolves every unique value and profile id of a batch, and each
 * wave of the batch (at most one item per profile and per unique value) is applied with one multi-row create and one
 * multi-row merge. Each write statement also answers the change's event, which the caller appends to the change log.
 * {@code full} asks for the stored documents back: a single call answers with the profile, a batch only with ids.
 */
@Singleton
public class ProfileBatchRepository {

    /*
     * LATERAL with OFFSET 0 (which keeps PostgreSQL from flattening it back into a join): one primary-key lookup per
     * wanted value, whatever the statistics say. As a join, the generic plan made while identity_keys had no
     * statistics read every key of the workspace and hashed them: 6.4 ms at 20,000 keys against 0.04 ms, growing
     * with the workspace until an ANALYZE (IdentifyStatementPlansTest; bench/README "Plans without statistics").
     */
    static final String RESOLVE = """
            select k.key_name, k.key_value, k.profile_id, null::bigint
              from unnest(?::text[], ?::text[]) as wanted(name, value)
             cross join lateral (select * from identity_keys k
                                  where k.workspace_id = ? and k.key_name = wanted.name and k.key_value = wanted.value
                                 offset 0) k
            union all
            select null, null, p.id, p.version
              from profiles p
             where p.workspace_id = ? and p.id = any(?::text[])
            """;

    /*
     * Returns, per new profile, how many of its unique values it claimed (fewer than sent means a concurrent claim),
     * or -1 and its size (bytes and leaves) for one not created because it is larger than a limit. Nothing is written
     * for such a one.
     */
    static final String CREATE_MANY = """
            with input as (
                select * from unnest(?::text[], ?::text[], ?::text[]) with ordinality as i(id, identifiers, traits, ord)
            ), stripped as (
                select i.id, i.ord, jsonb_strip_nulls(i.identifiers::jsonb) as identifiers,
                       jsonb_strip_nulls(i.traits::jsonb) as traits
                  from input i
            ), sized as (
                select s.*, octet_length(s.identifiers::text) + octet_length(s.traits::text) as bytes,
                       jsonb_leaf_count(s.identifiers) + jsonb_leaf_count(s.traits) as leaves
                  from stripped s
            ), created as (
                insert into profiles (workspace_id, id, identifiers, traits)
                select ?, s.id, s.identifiers, s.traits
                  from sized s
                 where s.bytes <= ? and s.leaves <= ?
                 order by s.ord
                returning id, workspace_id, identifiers, traits, created_at, updated_at, version
            ), claimed as (
                insert into identity_keys (workspace_id, key_name, key_value, profile_id)
                select c.workspace_id, k.name, k.value, c.id
                  from created c join unnest(?::text[], ?::text[], ?::text[]) as k(profile_id, name, value)
                    on k.profile_id = c.id
                on conflict do nothing
                returning profile_id
            )
            select c.id, (select count(*) from claimed k where k.profile_id = c.id), c.version,
                   profile_upsert_event(c.workspace_id, c.id, c.version, true, false, c.updated_at,
                                        c.identifiers, c.traits)::text,
                   null::bigint, case when ?::boolean then c.identifiers::text end,
                   case when ?::boolean then c.traits::text end, c.created_at, c.updated_at, null::bigint
              from created c
            union all
            select s.id, -1, null, null, s.bytes, null, null, null, null, s.leaves
              from sized s where s.id not in (select id from created)
            """;

    /*
     * Merges patches into many profiles under their row locks (each merges into the latest committed state, so
     * concurrent merges never lose a key), and re-points their unique keys: keys rows carry (profile, touched key
     * name, wanted value or null). They apply only to profiles the merge really changed. Rows are locked in id order
     * so two batches lock common profiles in the same order. A row with an expected version (If-Match) is changed
     * only at that version; previous_version tells the caller which it found. traitsOnce fills, after the patches,
     * only what the profile then has no value for (jsonb_fill_missing), under the same row lock. current looks each
     * profile up by its key in a LATERAL subquery (FOR UPDATE inside keeps it from being flattened into a join) over
     * the input sorted by id, so the locks are taken in id order and no plan reads the workspace's profiles. merged
     * and sized are materialized: inlined, each use of new_traits (its size, its leaves, the comparison, the update)
     * merged the documents again, four merges of a 24,000-key profile instead of one. A change that would take the
     * profile beyond a limit (bytes or leaves) is not made, unless it shrinks the profile by that measure.
     */
    static final String MERGE_MANY = """
            with input as (
                select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[])
                           as i(id, identifiers_patch, traits_patch, traits_once, expected)
            ), current as (
                select p.id, p.workspace_id, p.identifiers, p.traits, p.version, p.created_at, p.updated_at,
                       i.expected, i.identifiers_patch::jsonb as identifiers_patch, i.traits_patch::jsonb as traits_patch,
                       i.traits_once::jsonb as traits_once
                  from (select * from input order by id) i
                 cross join lateral (select * from profiles p where p.workspace_id = ? and p.id = i.id for update) p
                 order by p.id
            ), merged as materialized (
                select c.*, jsonb_merge_patches(c.identifiers, c.identifiers_patch) as new_identifiers,
                       case when c.traits_once is null then jsonb_merge_patches(c.traits, c.traits_patch)
                            else jsonb_fill_missing(jsonb_merge_patches(c.traits, c.traits_patch), c.traits_once)
                       end as new_traits
                  from current c
            ), sized as materialized (
                select m.*, octet_length(m.new_identifiers::text) + octet_length(m.new_traits::text) as new_bytes,
                       octet_length(m.identifiers::text) + octet_length(m.traits::text) as old_bytes,
                       jsonb_leaf_count(m.new_identifiers) + jsonb_leaf_count(m.new_traits) as new_leaves,
                       (m.new_identifiers <> m.identifiers or m.new_traits <> m.traits) as differs,
                       (m.expected is null or m.version = m.expected) as expected_version
                  from merged m
            ), fits as (
                select s.*, (s.new_bytes <= ? or s.new_bytes < s.old_bytes) as bytes_fit,
                       (s.new_leaves <= ?
                        or s.new_leaves < jsonb_leaf_count(s.identifiers) + jsonb_leaf_count(s.traits)) as leaves_fit
                  from sized s
            ), updated as (
                update profiles p
                   set identifiers = m.new_identifiers, traits = m.new_traits,
                       version = m.version + 1, updated_at = clock_timestamp()
                  from fits m
                 where p.workspace_id = m.workspace_id and p.id = m.id
                   and m.expected_version and m.differs and m.bytes_fit and m.leaves_fit
                returning p.id, p.workspace_id, p.identifiers, p.traits, p.version, p.updated_at,
                          jsonb_merge_diff(m.identifiers, p.identifiers) as identifiers_change,
                          jsonb_merge_diff(m.traits, p.traits) as traits_change
            ), touched as (
                select k.* from unnest(?::text[], ?::text[], ?::text[]) as k(profile_id, name, value)
                 where k.profile_id in (select id from updated)
            ), released as (
                delete from identity_keys i
                 using (select distinct profile_id, name from touched) t
                 where i.workspace_id = ? and i.profile_id = t.profile_id and i.key_name = t.name
                   and not exists (select 1 from touched w
                                    where w.profile_id = i.profile_id and w.name = i.key_name and w.value = i.key_value)
            ), missing as (
                select w.profile_id, w.name, w.value from touched w
                 where w.value is not null
                   and not exists (select 1 from identity_keys i
                                    where i.workspace_id = ? and i.key_name = w.name and i.key_value = w.value
                                      and i.profile_id = w.profile_id)
            ), claimed as (
                insert into identity_keys (workspace_id, key_name, key_value, profile_id)
                select ?, m.name, m.value, m.profile_id from missing m
                on conflict do nothing
                returning profile_id
            ), shortfall as (
                select profile_id, count(*) as n from missing group by profile_id
                union all
                select profile_id, -count(*) from claimed group by profile_id
            )
            select m.id, u.id is not null as changed, u.identifiers::text,
                   (select coalesce(sum(s.n), 0) from shortfall s where s.profile_id = m.id) as unclaimed,
                   u.id is null and not m.bytes_fit and m.expected_version and m.differs as too_large,
                   u.version,
                   profile_upsert_event(u.workspace_id, u.id, u.version, false, false, u.updated_at,
                                        u.identifiers_change, u.traits_change)::text as event,
                   m.version as previous_version, m.new_bytes, m.workspace_id,
                   case when ?::boolean then coalesce(u.identifiers, m.identifiers)::text end,
                   case when ?::boolean then coalesce(u.traits, m.traits)::text end,
                   m.created_at, coalesce(u.updated_at, m.updated_at), coalesce(u.version, m.version),
                   u.id is null and m.bytes_fit and not m.leaves_fit and m.expected_version and m.differs
                       as too_many_leaves, m.new_leaves
              from fits m left join updated u on u.id = m.id
            """;

    private static final String OLDEST_FIRST = """
            select id from profiles where workspace_id = ? and id = any(?::text[]) order by created_at, id
            """;

    /** What the database holds for a batch's unique values and profile ids (with their versions). */
    public record Resolved(Map<IdentityKey, String> owners, Map<String, Long> existing) {
    }

    public Resolved resolve(Connection c, String workspaceId, Collection<IdentityKey> keys, Collection<String> ids)
            throws SQLException {
        Map<IdentityKey, String> owners = new HashMap<>();
        Map<String, Long> existing = new HashMap<>();
        if (keys.isEmpty() && ids.isEmpty()) {
            return new Resolved(owners, existing);
        }
        try (PreparedStatement ps = c.prepareStatement(RESOLVE)) {
            ps.setArray(1, text(c, keys.stream().map(IdentityKey::name).toList()));
            ps.setArray(2, text(c, keys.stream().map(IdentityKey::value).toList()));
            ps.setString(3, workspaceId);
            ps.setString(4, workspaceId);
            ps.setArray(5, text(c, ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1) == null) {
                        existing.put(rs.getString(3), rs.getLong(4));
                    } else {
                        owners.put(new IdentityKey(rs.getString(1), rs.getString(2)), rs.getString(3));
                    }
                }
            }
        }
        return new Resolved(owners, existing);
    }

    public record NewProfile(String id, String identifiers, String traits, List<IdentityKey> keys) {
    }

    /**
     * claimed: how many unique values the new profile claimed, -1 when it was not created (too large: bytes and
     * leaves are its size); profile: the stored profile when asked for.
     */
    public record CreatedRow(long claimed, long version, String event, long bytes, long leaves, Profile profile) {
    }

    /** Inserts the profiles and their keys; answers per profile id what was created and its change event. */
    public Map<String, CreatedRow> createMany(Connection c, String workspaceId, List<NewProfile> profiles,
                                              ProfileLimits limits, boolean full) throws SQLException {
        List<String> keyOwners = new ArrayList<>();
        List<String> keyNames = new ArrayList<>();
        List<String> keyValues = new ArrayList<>();
        for (NewProfile p : profiles) {
            for (IdentityKey k : p.keys()) {
                keyOwners.add(p.id());
                keyNames.add(k.name());
                keyValues.add(k.value());
            }
        }
        Map<String, CreatedRow> created = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(CREATE_MANY)) {
            ps.setArray(1, text(c, profiles.stream().map(NewProfile::id).toList()));
            ps.setArray(2, text(c, profiles.stream().map(NewProfile::identifiers).toList()));
            ps.setArray(3, text(c, profiles.stream().map(NewProfile::traits).toList()));
            ps.setString(4, workspaceId);
            ps.setInt(5, limits.maxProfileBytes());
            ps.setInt(6, limits.maxProfileLeaves());
            ps.setArray(7, text(c, keyOwners));
            ps.setArray(8, text(c, keyNames));
            ps.setArray(9, text(c, keyValues));
            ps.setBoolean(10, full);
            ps.setBoolean(11, full);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    Profile profile = full && rs.getLong(2) >= 0 ? new Profile(id, workspaceId,
                            ProfileRepository.object(rs.getString(6)), ProfileRepository.object(rs.getString(7)),
                            ProfileRepository.iso(rs.getTimestamp(8)), ProfileRepository.iso(rs.getTimestamp(9)),
                            rs.getLong(3)) : null;
                    created.put(id, new CreatedRow(rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getLong(5),
                            rs.getLong(10), profile));
                }
            }
        }
        return created;
    }

    /**
     * One merge: JSON arrays of patches to apply in turn, then traitsOnce (null: none), and for each unique key name
     * they touch, the value wanted (null: none); expectedVersion: change only at this version (null: any).
     */
    public record Patch(String id, String identifiers, String traits, String traitsOnce, List<String> touched,
                        List<IdentityKey> wanted, Long expectedVersion) {
    }

    /**
     * changed: the merge made a new version (identifiers, version and event are the new ones); unclaimed counts
     * wanted values another profile holds; tooLarge: not changed because the profile would grow beyond the byte
     * limit (to newBytes); tooManyLeaves: the same for the leaf limit (to newLeaves); previousVersion: the version
     * found; profile: the stored profile when asked for.
     */
    public record MergeRow(String id, boolean changed, String identifiers, long unclaimed, boolean tooLarge,
                           long version, String event, long previousVersion, long newBytes, boolean tooManyLeaves,
                           long newLeaves, Profile profile) {
    }

    public Map<String, MergeRow> mergeMany(Connection c, String workspaceId, List<Patch> patches, ProfileLimits limits,
                                           boolean full) throws SQLException {
        List<String> keyOwners = new ArrayList<>();
        List<String> keyNames = new ArrayList<>();
        List<String> keyValues = new ArrayList<>();
        for (Patch p : patches) {
            for (String name : p.touched()) {
                List<IdentityKey> wanted = p.wanted().stream().filter(k -> k.name().equals(name)).toList();
                for (IdentityKey k : wanted.isEmpty() ? Collections.singletonList((IdentityKey) null) : wanted) {
                    keyOwners.add(p.id());
                    keyNames.add(name);
                    keyValues.add(k == null ? null : k.value());
                }
            }
        }
        Map<String, MergeRow> rows = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(MERGE_MANY)) {
            ps.setArray(1, text(c, patches.stream().map(Patch::id).toList()));
            ps.setArray(2, text(c, patches.stream().map(Patch::identifiers).toList()));
            ps.setArray(3, text(c, patches.stream().map(Patch::traits).toList()));
            ps.setArray(4, text(c, patches.stream().map(Patch::traitsOnce).toList()));
            ps.setArray(5, c.createArrayOf("bigint", patches.stream().map(Patch::expectedVersion).toArray()));
            ps.setString(6, workspaceId);
            ps.setInt(7, limits.maxProfileBytes());
            ps.setInt(8, limits.maxProfileLeaves());
            ps.setArray(9, text(c, keyOwners));
            ps.setArray(10, text(c, keyNames));
            ps.setArray(11, text(c, keyValues));
            ps.setString(12, workspaceId);
            ps.setString(13, workspaceId);
            ps.setString(14, workspaceId);
            ps.setBoolean(15, full);
            ps.setBoolean(16, full);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Profile profile = full ? new Profile(rs.getString(1), rs.getString(10),
                            ProfileRepository.object(rs.getString(11)), ProfileRepository.object(rs.getString(12)),
                            ProfileRepository.iso(rs.getTimestamp(13)), ProfileRepository.iso(rs.getTimestamp(14)),
                            rs.getLong(15)) : null;
                    rows.put(rs.getString(1), new MergeRow(rs.getString(1), rs.getBoolean(2), rs.getString(3),
                            rs.getLong(4), rs.getBoolean(5), rs.getLong(6), rs.getString(7), rs.getLong(8),
                            rs.getLong(9), rs.getBoolean(16), rs.getLong(17), profile));
                }
            }
        }
        return rows;
    }

    /** The profiles, oldest first (ties by id). */
    public List<String> oldestFirst(Connection c, String workspaceId, Collection<String> ids) throws SQLException {
        List<String> ordered = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(OLDEST_FIRST)) {
            ps.setString(1, workspaceId);
            ps.setArray(2, text(c, ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ordered.add(rs.getString(1));
                }
            }
        }
        return ordered;
    }

    private static Array text(Connection c, Collection<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray());
    }
}
