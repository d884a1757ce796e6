package io.profilehub.feed;

import jakarta.inject.Singleton;
import org.postgresql.PGStatement;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** The one statement of the feed: a workspace's changes after a position, in id order, a prefix of every lane. */
@Singleton
class FeedRepository {

    /** One change as the feed gives it: its lane and id (the new position of that lane), and its event. */
    record Row(int lane, long id, String event) {
    }

    /*
     * One branch per lane, each an ordered range of change_log_feed (workspace, lane, id > the lane's position),
     * merged in id order by a Merge Append that stops after `limit` rows: the cost is 64 index descents per partition
     * plus the rows returned, whether the reader is one change or a million behind. Why id order and a per-lane
     * position never skip a change that commits late: db/V36__change_feed.sql. Each branch has its own ORDER BY and
     * LIMIT: flattened into one append, PostgreSQL 15 sorted every row past the positions instead (256 s for a reader
     * 300,000 changes behind on the loaded build machine, against 33-80 ms for 1,000 rows this way).
     *
     * Planning 64 branches over every day's partition takes 0.1-0.2 s, so the statement is prepared on the server at
     * its first use and runs one generic plan (it has no partition key to prune by, so a custom plan gains nothing).
     *
     * Only changes for every destination (destination is null) are the workspace's; an erased person's upserts are
     * scrubbed in place (ChangeLogWriter.scrub) and left out here, as every reader of the log leaves them out.
     */
    private static final String READ = read();

    /*
     * The document the webhook connector sends (WebhookConnector): the stored event without "result" (nor an erasure's
     * "sealed" locator), occurredAt in the API's one format (http/Timestamps). Made here, for the limited rows only,
     * so the service splices in the cursor instead of parsing and writing every document (which was a quarter of
     * its CPU per page). jsonb's text has a space after ':' and ','; otherwise it is the webhook's text.
     */
    private static final String DOCUMENT = """
            (change - 'result' - 'sealed'
             || case when change ?? 'occurredAt'
                     then jsonb_build_object('occurredAt', to_char((change ->> 'occurredAt')::timestamptz
                                                                   at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                     else '{}'::jsonb end)::text""";

    /* For this transaction only: the pool's other statements keep PostgreSQL's own choice. */
    private static final String GENERIC_PLAN = "select set_config('plan_cache_mode', 'force_generic_plan', true)";

    private static String read() {
        StringJoiner lanes = new StringJoiner("\n union all\n");
        for (int lane = 0; lane < FeedPosition.LANES; lane++) {
            lanes.add("(select c.id, c.lane, c.change from change_log c"
                    + " where c.workspace_id = ? and c.destination is null and c.lane = " + lane + " and c.id > ?"
                    + " and not c.change ?? 'scrubbed' order by c.id limit ?)");
        }
        return "select id, lane, " + DOCUMENT + " from (\n" + lanes + "\n) f order by id limit ?";
    }

    List<Row> after(Connection c, String workspaceId, FeedPosition position, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(GENERIC_PLAN)) {
            ps.execute();
        }
        List<Row> rows = new ArrayList<>(Math.min(limit, 1024));
        try (PreparedStatement ps = c.prepareStatement(READ)) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(1);
            int p = 1;
            for (int lane = 0; lane < FeedPosition.LANES; lane++) {
                ps.setString(p++, workspaceId);
                ps.setLong(p++, position.lastId(lane));
                ps.setInt(p++, limit);
            }
            ps.setInt(p, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getInt(2), rs.getLong(1), rs.getString(3)));
                }
            }
        }
        return rows;
    }
}
