package io.profilehub.erasure;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Takes an erased person's values out of the vendor answers stored in their workspace. A batch request carries one
 * workspace's changes, and its answer, which may quote any of them, is stored on the rows of every profile it
 * carried: the person's own rows are scrubbed with their changes, this reaches the copies on the others' rows.
 */
@Singleton
class VendorAnswers {
    /*
     * The values: every string or number leaf of at least MIN_LENGTH characters the person holds now or held in a
     * change still in the log (also under the ids they absorbed in merges), from identifiers and traits only (the
     * event's envelope holds ids and times of the service, not the person's data). Shorter values are not personal
     * data on their own, and would be found in nearly every answer. db/V25 explains erase_values.
     */
    static final int MIN_LENGTH = 4;

    private static final String SCRUB = """
            with ids as (
                select ?::text as id
                union
                select alias_id from profile_aliases where workspace_id = ? and profile_id = ?
            ), docs as (
                select p.identifiers as doc from profiles p where p.workspace_id = ? and p.id = ?
                union all
                select p.traits from profiles p where p.workspace_id = ? and p.id = ?
                union all
                select c.change -> part.name
                  from change_log c cross join (values ('identifiers'), ('traits')) as part(name)
                 where c.workspace_id = ? and c.profile_id in (select id from ids) and c.kind = 'upsert'
            ), vals as (
                select array(select distinct leaf
                               from (select j #>> '{}' as leaf
                                       from docs d cross join lateral jsonb_path_query(d.doc, 'strict $.**') j
                                      where d.doc is not null and jsonb_typeof(j) in ('string', 'number')) x
                              where length(leaf) >= ?) as vs
            ), letters as (
                update dead_letters t set last_error = erase_values(t.last_error, v.vs) from vals v
                 where t.workspace_id = ? and t.last_error is not null
                   and erase_values(t.last_error, v.vs) <> t.last_error
            ), failures as (
                update delivery_failures t set error = erase_values(t.error, v.vs) from vals v
                 where t.workspace_id = ? and t.error is not null and erase_values(t.error, v.vs) <> t.error
            ), parked as (
                update delivery_parked t set last_error = erase_values(t.last_error, v.vs) from vals v
                 where t.workspace_id = ? and t.last_error is not null
                   and erase_values(t.last_error, v.vs) <> t.last_error
            )
            update erasure_destinations t set detail = erase_values(t.detail, v.vs) from vals v
             where t.workspace_id = ? and t.detail is not null and erase_values(t.detail, v.vs) <> t.detail
            """;

    /** Before the profile and its changes are deleted or scrubbed: they are where the values are read from. */
    void scrub(Connection c, String workspaceId, String profileId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SCRUB)) {
            int i = 1;
            ps.setString(i++, profileId);
            ps.setString(i++, workspaceId);
            ps.setString(i++, profileId);
            ps.setString(i++, workspaceId);
            ps.setString(i++, profileId);
            ps.setString(i++, workspaceId);
            ps.setString(i++, profileId);
            ps.setString(i++, workspaceId);
            ps.setInt(i++, MIN_LENGTH);
            for (int table = 0; table < 4; table++) {
                ps.setString(i++, workspaceId);
            }
            ps.executeUpdate();
        }
    }
}
