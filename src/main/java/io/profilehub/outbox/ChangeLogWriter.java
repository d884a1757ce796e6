package io.profilehub.outbox;

import io.profilehub.destination.ChangeKind;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Every write into the change log goes through here: profile writes, batches, erasures, backfills and dead-letter
 * retries append their changes with {@link #append} as the last statement of their transaction.
 *
 * <p>Why last, and why one statement: the changes are numbered under their lanes' row locks (see db/V18), held until
 * commit. Taken last, a lock is held for about one commit, so writers of one lane queue only briefly; taken in
 * ascending lane order, and after every profile and key lock of the transaction, lane locks never close a deadlock.
 */
@Singleton
public class ChangeLogWriter {

    /** Why a change was made; history shows it (stored in change_log.cause). */
    public enum Cause {
        CREATE, UPDATE, MERGE, UNDO, ERASURE, BACKFILL, RETRY;

        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Who made a change: the API key's id and name, and the caller's free label. Null fields: the service itself. */
    public record Source(String keyId, String keyName, String label) {
        public static final Source SERVICE = new Source(null, null, null);
    }

    /** One change. {@code destination} null: for every destination that serves the workspace. */
    public record Change(String workspaceId, String profileId, Long version, ChangeKind kind, String event,
                         String destination, Cause cause, Source source) {
        public static Change upsert(String workspaceId, String profileId, long version, String event, Cause cause,
                                    Source source) {
            return new Change(workspaceId, profileId, version, ChangeKind.UPSERT, event, null, cause, source);
        }

        public static Change upsert(String workspaceId, String profileId, long version, String event) {
            return upsert(workspaceId, profileId, version, event, Cause.UPDATE, Source.SERVICE);
        }
    }

    /*
     * locked: the lanes' rows in ascending order (LockRows above the Sort); bumped only touches rows locked already.
     * Numbers follow the input order within a lane, which is each profile's version order.
     */
    static final String APPEND = """
            with input as materialized (
                select i.*, change_lane(i.workspace_id, i.profile_id) as lane
                  from unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[],
                              ?::text[], ?::text[], ?::text[]) with ordinality
                       as i(workspace_id, profile_id, version, kind, event, destination, cause, source_key_id,
                            source_key_name, source_label, ord)
            ), locked as materialized (
                select l.lane from change_lanes l where l.lane in (select lane from input) order by l.lane for update
            ), counts as (
                select lane, count(*) as n from input group by lane
            ), bumped as (
                update change_lanes l
                   set last_seq = l.last_seq + c.n
                  from counts c
                 where l.lane = c.lane and l.lane in (select lane from locked)
                returning l.lane, l.last_seq - c.n as base
            )
            insert into change_log (lane, seq, workspace_id, profile_id, version, kind, change, destination, cause,
                                    source_key_id, source_key_name, source_label)
            select i.lane, b.base + row_number() over (partition by i.lane order by i.ord), i.workspace_id,
                   i.profile_id, i.version, i.kind, i.event::jsonb, i.destination, i.cause, i.source_key_id,
                   i.source_key_name, i.source_label
              from input i join bumped b on b.lane = i.lane
            """;

    /*
     * An erased person's changes keep nothing of them: upserts' documents (the history of every field) and every
     * row's free source label. Destinations that have not yet read an upsert find it scrubbed and skip it; the
     * erasure itself follows it in the lane. Erasures already in the log keep their ids, version and sealed locator
     * (needed to send them; DeliveryRepository drops it once sent). The key id and name stay: they name the caller.
     */
    private static final String SCRUB = """
            with changes as (
                update change_log
                   set change = case when kind = 'upsert' then '{"scrubbed": true}'::jsonb else change end,
                       source_label = null
                 where workspace_id = ? and profile_id = ?
                   and ((kind = 'upsert' and not change ?? 'scrubbed') or source_label is not null)
            ), letters as (
                update dead_letters set event = '{"scrubbed": true}'::jsonb, last_error = null
                 where workspace_id = ? and profile_id = ? and kind = 'upsert'
            ), failures as (
                update delivery_failures set error = null where workspace_id = ? and profile_id = ?
            )
            update delivery_parked set last_error = null where workspace_id = ? and profile_id = ?
            """;

    /*
     * One upsert version of a profile that carries another person's data: a merge's upsert of the survivor holds the
     * absorbed profile's values, and stays in the survivor's log after an undo. Its copies (backfill, retry), the
     * dead letters composed over it and the vendor answers recorded for it are scrubbed too; the profile's other
     * changes stay. The merge's label names the caller, not the person, and stays.
     */
    private static final String SCRUB_VERSION = """
            with changes as (
                update change_log set change = '{"scrubbed": true}'::jsonb
                 where workspace_id = ? and profile_id = ? and version = ? and kind = 'upsert'
            ), letters as (
                update dead_letters set event = '{"scrubbed": true}'::jsonb, last_error = null
                 where workspace_id = ? and profile_id = ? and kind = 'upsert'
                   and ? between coalesce(first_version, version) and version
            ), failures as (
                update delivery_failures set error = null
                 where workspace_id = ? and profile_id = ? and ? between coalesce(first_version, last_version) and last_version
            )
            update delivery_parked set last_error = null where workspace_id = ? and profile_id = ?
            """;

    public void append(Connection c, List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(APPEND)) {
            ps.setArray(1, c.createArrayOf("text", changes.stream().map(Change::workspaceId).toArray()));
            ps.setArray(2, c.createArrayOf("text", changes.stream().map(Change::profileId).toArray()));
            ps.setArray(3, c.createArrayOf("bigint", changes.stream().map(Change::version).toArray()));
            ps.setArray(4, c.createArrayOf("text", changes.stream().map(ch -> ch.kind().value()).toArray()));
            ps.setArray(5, c.createArrayOf("text", changes.stream().map(Change::event).toArray()));
            ps.setArray(6, c.createArrayOf("text", changes.stream().map(Change::destination).toArray()));
            ps.setArray(7, c.createArrayOf("text", changes.stream().map(ch -> ch.cause().value()).toArray()));
            ps.setArray(8, c.createArrayOf("text", changes.stream().map(ch -> ch.source().keyId()).toArray()));
            ps.setArray(9, c.createArrayOf("text", changes.stream().map(ch -> ch.source().keyName()).toArray()));
            ps.setArray(10, c.createArrayOf("text", changes.stream().map(ch -> ch.source().label()).toArray()));
            ps.executeUpdate();
        }
    }

    /** Scrubs one upsert version of a profile that holds another person's data, wherever it was copied. */
    public void scrubVersion(Connection c, String workspaceId, String profileId, long version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SCRUB_VERSION)) {
            for (int i = 0; i < 3; i++) {
                ps.setString(3 * i + 1, workspaceId);
                ps.setString(3 * i + 2, profileId);
                ps.setLong(3 * i + 3, version);
            }
            ps.setString(10, workspaceId);
            ps.setString(11, profileId);
            ps.executeUpdate();
        }
    }

    /** Scrubs what the log and the delivery records hold of a person's upserts and vendor answers. */
    public void scrub(Connection c, String workspaceId, String profileId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SCRUB)) {
            for (int i = 0; i < 4; i++) {
                ps.setString(2 * i + 1, workspaceId);
                ps.setString(2 * i + 2, profileId);
            }
            ps.executeUpdate();
        }
    }
}
