package io.profilehub.profile;

import io.profilehub.http.PageTokens;

import jakarta.inject.Singleton;
import org.postgresql.PGStatement;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Keyset-paged search over identifiers. Unique keys go through the identity_keys primary key, nested values
 * through the GIN index on identifiers (jsonb_path_ops containment).
 */
@Singleton
public class ProfileSearchRepository {

    public List<Profile> search(Connection c, String workspaceId, List<SearchFilter> filters, PageTokens.Cursor cursor,
                                int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("select ").append(ProfileRepository.COLUMNS)
                .append(" from profiles p where p.workspace_id = ?");
        List<String> params = new ArrayList<>();
        params.add(workspaceId);
        for (SearchFilter filter : filters) {
            if (filter.uniqueKeys() != null) {
                sql.append(" and p.id in (select k.profile_id from identity_keys k"
                        + " where k.workspace_id = ? and k.key_name = ? and k.key_value in (")
                        .append(String.join(", ", java.util.Collections.nCopies(filter.uniqueKeys().size(), "?")))
                        .append("))");
                params.add(workspaceId);
                params.add(filter.uniqueKeys().get(0).name());
                filter.uniqueKeys().forEach(k -> params.add(k.value()));
            } else {
                sql.append(" and (");
                for (int i = 0; i < filter.containmentDocuments().size(); i++) {
                    sql.append(i == 0 ? "" : " or ").append("p.identifiers @> ?::jsonb");
                    params.add(filter.containmentDocuments().get(i));
                }
                sql.append(")");
            }
        }
        boolean backwards = cursor != null && cursor.direction() == PageTokens.Direction.BEFORE;
        if (cursor != null) {
            sql.append(backwards ? " and p.id < ?" : " and p.id > ?");
            params.add(cursor.key());
        }
        sql.append(backwards ? " order by p.id desc" : " order by p.id").append(" limit ").append(limit);

        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            // Never server-prepare: a generic plan cannot see how selective a containment value is and may scan.
            ps.unwrap(PGStatement.class).setPrepareThreshold(0);
            for (int i = 0; i < params.size(); i++) {
                ps.setString(i + 1, params.get(i));
            }
            List<Profile> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(ProfileRepository.read(rs));
                }
            }
            if (backwards) {
                Collections.reverse(rows);
            }
            return rows;
        }
    }

    /*
     * The workspace's profiles newest first (index profiles_newest). The page key is the last row's created_at in
     * microseconds since the epoch and its id: 'epoch' plus that many microseconds is the stored time exactly.
     */
    private static final String NEWEST = "select " + ProfileRepository.COLUMNS
            + ", (extract(epoch from created_at) * 1000000)::bigint from profiles"
            + " where workspace_id = ? and (?::bigint is null"
            + " or (created_at, id) < ('epoch'::timestamptz + ?::bigint * interval '1 microsecond', ?))"
            + " order by created_at desc, id desc limit ?";

    /** A profile with the key the next page of {@link #newest} starts after. */
    public record Keyed(Profile profile, String key) {
    }

    /** @param after the key of the last profile of the previous page ({@link Keyed#key()}), or null */
    public List<Keyed> newest(Connection c, String workspaceId, String after, int limit) throws SQLException {
        Long micros = null;
        String id = null;
        if (after != null) {
            int colon = after.indexOf(':');
            micros = Long.parseLong(after.substring(0, colon));
            id = after.substring(colon + 1);
        }
        try (PreparedStatement ps = c.prepareStatement(NEWEST)) {
            ps.setString(1, workspaceId);
            ps.setObject(2, micros, java.sql.Types.BIGINT);
            ps.setObject(3, micros, java.sql.Types.BIGINT);
            ps.setString(4, id);
            ps.setInt(5, limit);
            List<Keyed> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Profile p = ProfileRepository.read(rs);
                    rows.add(new Keyed(p, rs.getLong(8) + ":" + p.id()));
                }
            }
            return rows;
        }
    }
}
