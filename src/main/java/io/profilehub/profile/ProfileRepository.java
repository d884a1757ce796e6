package io.profilehub.profile;

import io.profilehub.identity.IdentityKey;
import io.profilehub.http.Timestamps;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.JsonInput;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL of the profile store. Each write is one statement: the profile row and its unique-key rows change
 * together, and the merge itself runs in PostgreSQL (jsonb_merge_patch) under the row lock, so concurrent updates
 * never lose a key. Each statement also answers the change's event, which the caller appends to the change log.
 */
@Singleton
public class ProfileRepository {
    static final String COLUMNS = "id, workspace_id, identifiers::text, traits::text, created_at, updated_at, version";

    private static final String FIND = "select " + COLUMNS + " from profiles where workspace_id = ? and id = ?";

    private static final String OWNERS = """
            select k.key_name, k.key_value, k.profile_id
              from identity_keys k
              join unnest(?::text[], ?::text[]) as wanted(name, value)
                on k.key_name = wanted.name and k.key_value = wanted.value
             where k.workspace_id = ?
            """;

    /* Nothing is written when the new profile would be larger than the limit; sized reports its size either way. */
    private static final String CREATE = """
            with input as (
                select jsonb_strip_nulls(?::jsonb) as identifiers, jsonb_strip_nulls(?::jsonb) as traits
            ), sized as (
                select i.*, octet_length(i.identifiers::text) + octet_length(i.traits::text) as bytes from input i
            ), created as (
                insert into profiles (workspace_id, id, identifiers, traits)
                select ?, ?, s.identifiers, s.traits from sized s where s.bytes <= ?
                returning id, workspace_id, identifiers, traits, created_at, updated_at, version
            ), claimed as (
                insert into identity_keys (workspace_id, key_name, key_value, profile_id)
                select c.workspace_id, k.name, k.value, c.id
                  from created c cross join unnest(?::text[], ?::text[]) as k(name, value)
                on conflict do nothing
                returning key_name
            )
            select c.id, c.workspace_id, c.identifiers::text, c.traits::text, c.created_at, c.updated_at, c.version,
                   (select count(*) from claimed) as claimed, s.bytes,
                   profile_upsert_event(c.workspace_id, c.id, c.version, true, false, c.updated_at,
                                        c.identifiers, c.traits)::text as event
              from sized s left join created c on true
            """;

    /*
     * The locked read (current) feeds the update so RETURNING can report both the old and the new document; the
     * row lock serialises concurrent merges and each one merges into the latest committed state.
     */
    private static final String MERGE = """
            with current as (
                select id, workspace_id, identifiers, traits, created_at, updated_at, version
                  from profiles where workspace_id = ? and id = ?
                   for update
            ), merged as (
                select c.*, jsonb_merge_patch(c.identifiers, ?::jsonb) as new_identifiers,
                       jsonb_merge_patch(c.traits, ?::jsonb) as new_traits
                  from current c
            ), sized as (
                select m.*, octet_length(m.new_identifiers::text) + octet_length(m.new_traits::text) as new_bytes,
                       octet_length(m.identifiers::text) + octet_length(m.traits::text) as old_bytes
                  from merged m
            ), updated as (
                update profiles p
                   set identifiers = m.new_identifiers, traits = m.new_traits,
                       version = m.version + 1, updated_at = clock_timestamp()
                  from sized m
                 where p.workspace_id = m.workspace_id and p.id = m.id
                   and (?::bigint is null or m.version = ?::bigint)
                   and (m.new_identifiers <> m.identifiers or m.new_traits <> m.traits)
                   and (m.new_bytes <= ? or m.new_bytes < m.old_bytes)
                returning p.id, p.workspace_id, p.identifiers, p.traits, p.created_at, p.updated_at, p.version,
                          jsonb_merge_diff(m.identifiers, p.identifiers) as identifiers_change,
                          jsonb_merge_diff(m.traits, p.traits) as traits_change
            )
            select coalesce(u.id, m.id), m.workspace_id,
                   coalesce(u.identifiers, m.identifiers)::text, coalesce(u.traits, m.traits)::text,
                   m.created_at, coalesce(u.updated_at, m.updated_at), coalesce(u.version, m.version),
                   m.version as previous_version, u.id is not null as changed,
                   u.id is null and m.new_bytes > ? and m.new_bytes >= m.old_bytes
                       and (m.new_identifiers <> m.identifiers or m.new_traits <> m.traits) as too_large,
                   m.new_bytes,
                   profile_upsert_event(u.workspace_id, u.id, u.version, false, false, u.updated_at,
                                        u.identifiers_change, u.traits_change)::text as event
              from sized m left join updated u on true
            """;

    /*
     * Re-points a profile's unique keys after a merge touched them: drops values it no longer holds and claims the
     * new ones. A value another profile already owns is not claimed, which the caller sees as wanted > claimed.
     */
    private static final String SYNC_KEYS = """
            with wanted as (
                select k.name, k.value from unnest(?::text[], ?::text[]) as k(name, value)
            ), released as (
                delete from identity_keys i
                 where i.workspace_id = ? and i.profile_id = ? and i.key_name = any(?::text[])
                   and not exists (select 1 from wanted w where w.name = i.key_name and w.value = i.key_value)
            ), missing as (
                select w.* from wanted w
                 where not exists (select 1 from identity_keys i
                                    where i.workspace_id = ? and i.key_name = w.name and i.key_value = w.value
                                      and i.profile_id = ?)
            ), claimed as (
                insert into identity_keys (workspace_id, key_name, key_value, profile_id)
                select ?, m.name, m.value, ? from missing m
                on conflict do nothing
                returning key_name
            )
            select (select count(*) from missing) as wanted, (select count(*) from claimed) as claimed
            """;



    public Optional<Profile> find(Connection c, String workspaceId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** Which profiles own the given unique-key values, key by key. */
    public Map<IdentityKey, String> owners(Connection c, String workspaceId, List<IdentityKey> keys) throws SQLException {
        Map<IdentityKey, String> owners = new LinkedHashMap<>();
        if (keys.isEmpty()) {
            return owners;
        }
        try (PreparedStatement ps = c.prepareStatement(OWNERS)) {
            ps.setArray(1, c.createArrayOf("text", keys.stream().map(IdentityKey::name).toArray()));
            ps.setArray(2, c.createArrayOf("text", keys.stream().map(IdentityKey::value).toArray()));
            ps.setString(3, workspaceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    owners.put(new IdentityKey(rs.getString(1), rs.getString(2)), rs.getString(3));
                }
            }
        }
        return owners;
    }

    public record Created(Profile profile, boolean allKeysClaimed, String event) {
    }

    /** Creates the profile, or refuses (422, nothing written) one larger than {@code maxBytes}. */
    public Created create(Connection c, String workspaceId, String id, ObjectNode identifiers, ObjectNode traits,
                          List<IdentityKey> keys, int maxBytes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CREATE)) {
            ps.setString(1, json(identifiers));
            ps.setString(2, json(traits));
            ps.setString(3, workspaceId);
            ps.setString(4, id);
            ps.setInt(5, maxBytes);
            ps.setArray(6, c.createArrayOf("text", keys.stream().map(IdentityKey::name).toArray()));
            ps.setArray(7, c.createArrayOf("text", keys.stream().map(IdentityKey::value).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getString(1) == null) {
                    throw ProfileLimits.tooLarge(rs.getLong(9), maxBytes);
                }
                return new Created(read(rs), rs.getLong(8) == keys.size(), rs.getString(10));
            }
        }
    }

    /** event: the change's event when the merge changed the profile, else null. */
    public record Merged(Profile profile, long previousVersion, boolean changed, String event) {
    }

    /** Merges, or refuses (422, nothing written) a change that would grow the profile beyond {@code maxBytes}. */
    public Optional<Merged> merge(Connection c, String workspaceId, String id, ObjectNode identifiersPatch,
                                  ObjectNode traitsPatch, Long expectedVersion, int maxBytes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MERGE)) {
            ps.setString(1, workspaceId);
            ps.setString(2, id);
            ps.setString(3, identifiersPatch == null ? "{}" : json(identifiersPatch));
            ps.setString(4, traitsPatch == null ? "{}" : json(traitsPatch));
            ps.setObject(5, expectedVersion, java.sql.Types.BIGINT);
            ps.setObject(6, expectedVersion, java.sql.Types.BIGINT);
            ps.setInt(7, maxBytes);
            ps.setInt(8, maxBytes);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                if (rs.getBoolean(10) && (expectedVersion == null || rs.getLong(8) == expectedVersion)) {
                    throw ProfileLimits.tooLarge(rs.getLong(11), maxBytes);
                }
                return Optional.of(new Merged(read(rs), rs.getLong(8), rs.getBoolean(9), rs.getString(12)));
            }
        }
    }

    /** Returns true when every wanted value now belongs to the profile. */
    public boolean syncKeys(Connection c, String workspaceId, String id, List<String> touchedKeys,
                            List<IdentityKey> wanted) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SYNC_KEYS)) {
            ps.setArray(1, c.createArrayOf("text", wanted.stream().map(IdentityKey::name).toArray()));
            ps.setArray(2, c.createArrayOf("text", wanted.stream().map(IdentityKey::value).toArray()));
            ps.setString(3, workspaceId);
            ps.setString(4, id);
            ps.setArray(5, c.createArrayOf("text", touchedKeys.toArray()));
            ps.setString(6, workspaceId);
            ps.setString(7, id);
            ps.setString(8, workspaceId);
            ps.setString(9, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == rs.getLong(2);
            }
        }
    }

    static Profile read(ResultSet rs) throws SQLException {
        return new Profile(rs.getString(1), rs.getString(2), object(rs.getString(3)), object(rs.getString(4)),
                iso(rs.getTimestamp(5)), iso(rs.getTimestamp(6)), rs.getLong(7));
    }

    static String iso(Timestamp ts) {
        return Timestamps.iso(ts);
    }

    static ObjectNode object(String json) throws SQLException {
        try {
            return (ObjectNode) JsonInput.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored document is not JSON", e);
        }
    }

    static String json(ObjectNode node) {
        return node == null ? "{}" : node.toString();
    }
}
