package io.profilehub.sync;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.profilehub.destination.ChangeKind;
import io.profilehub.outbox.DeliveryRepository;
import io.profilehub.outbox.ChangeLogWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The SQL behind the operator endpoints: destination status, dead letters, per-profile sync state, backfill. */
@Singleton
public class SyncRepository {
    public record DestinationCounts(long pending, long inFlight, long dead, long deliveredLastHour,
                                    Instant oldestPending) {
        static final DestinationCounts EMPTY = new DestinationCounts(0, 0, 0, 0, null);
    }

    public record EventView(long id, String destination, String profileId, String kind, String status, int attempts,
                            Integer lastStatus, String lastError, Instant createdAt, Instant finishedAt,
                            Instant availableAt, ObjectNode event) {
    }

    public record DeadLetterFilter(String destination, Integer status, Instant since, Instant until) {
    }

    /** A row of {@code dead_letters}, as far as {@link Queries} needs one to stand for the table it reads. */
    @MappedEntity("dead_letters")
    public record DeadLetter(String workspaceId, @Id long id, String destination, String profileId, String kind) {
    }

    /** One destination's counts (the columns of {@link Queries#counts}). */
    @Introspected
    public record CountsRow(String destination, long pending, long inFlight, long dead, long delivered,
                            @Nullable Instant oldest) {
    }

    /** A change as an operator sees it (the columns of the dead-letter and per-profile reads). */
    @Introspected
    public record EventRow(long id, String destination, String profileId, String kind, String status, int attempts,
                           @Nullable Integer lastStatus, @Nullable String lastError, Instant createdAt,
                           @Nullable Instant finishedAt, @Nullable Instant availableAt, String event) {
    }

    /** A dead letter chosen for a retry, with its profile's current version and state when it still exists. */
    @Introspected
    public record ChosenRow(long id, String destination, String profileId, String kind, String event,
                            @Nullable Long version, boolean profileExists, @Nullable Long profileVersion,
                            @Nullable String profileEvent) {
    }

    @Introspected
    public record BackfillRow(String id, long version, String event) {
    }

    /*
     * Named parameters: the workspace and each filter value are bound once by name, however often a statement
     * uses them (a filter value null means "any"; the casts give PostgreSQL the type of a null).
     */
    @JdbcRepository(dialect = Dialect.POSTGRES)
    public interface Queries extends GenericRepository<DeadLetter, Long> {

        /*
         * Per destination, this workspace's changes not yet settled: past the destination's cursor (in flight while
         * a live lease holds the lane), or held by a parked profile; its dead letters; and its deliveries of the
         * last hour, counted per minute as they settle (delivery_minutes).
         */
        @Query("""
                with waiting as (
                    select c.destination, l.created_at, c.lease_until >= now() as leased
                      from delivery_cursors c
                      join change_log l on l.lane = c.lane and l.seq > c.position
                     where l.workspace_id = :workspaceId and (l.destination is null or l.destination = c.destination)
                    union all
                    select p.destination, l.created_at, false
                      from delivery_parked p
                      join delivery_cursors c on c.destination = p.destination and c.lane = p.lane
                      join change_log l on l.workspace_id = p.workspace_id and l.profile_id = p.profile_id
                                       and l.seq >= p.from_seq and l.seq <= c.position
                                       and (l.destination is null or l.destination = p.destination)
                     where p.workspace_id = :workspaceId
                ), counted as (
                    select destination, count(*) filter (where leased is not true) as pending,
                           count(*) filter (where leased) as in_flight, min(created_at) as oldest, 0::bigint as dead,
                           0::bigint as delivered
                      from waiting group by destination
                    union all
                    select destination, 0, 0, null, count(*), 0 from dead_letters
                     where workspace_id = :workspaceId and discarded_at is null group by destination
                    union all
                    select destination, 0, 0, null, 0, sum(delivered)::bigint from delivery_minutes
                     where workspace_id = :workspaceId and minute > now() - interval '1 hour' group by destination
                )
                select destination, sum(pending)::bigint as pending, sum(in_flight)::bigint as in_flight,
                       sum(dead)::bigint as dead, sum(delivered)::bigint as delivered, min(oldest) as oldest
                  from counted group by destination
                """)
        List<CountsRow> counts(String workspaceId);

        @Query("""
                select id, destination, profile_id, kind, 'dead' as status, attempts, last_status, last_error,
                       created_at, dead_at as finished_at, null::timestamptz as available_at, event::text as event
                  from dead_letters
                 where workspace_id = :workspaceId and discarded_at is null
                   and (cast(:destination as text) is null or destination = :destination)
                   and (cast(:status as int) is null or last_status = :status)
                   and (cast(:since as timestamptz) is null or dead_at >= :since)
                   and (cast(:until as timestamptz) is null or dead_at < :until)
                   and (cast(:profileId as text) is null or profile_id = :profileId)
                   and id > :afterId
                 order by id
                 limit :limit
                """)
        List<EventRow> deadLetters(String workspaceId, @Nullable String destination, @Nullable Integer status,
                                   @Nullable Instant since, @Nullable Instant until, @Nullable String profileId,
                                   long afterId, int limit);

        /*
         * A dead upsert carries a change that later ones may already have overtaken, so a retry sends the profile's
         * current state instead (and is dropped when the profile is gone). An erasure goes again as it was.
         */
        @Query("""
                select d.id, d.destination, d.profile_id, d.kind, d.event::text as event, d.version,
                       p.id is not null as profile_exists, p.version as profile_version,
                       profile_upsert_event(p.workspace_id, p.id, p.version, false, true, p.updated_at,
                                            p.identifiers, p.traits)::text as profile_event
                  from dead_letters d
                  left join profiles p on p.workspace_id = d.workspace_id and p.id = d.profile_id
                 where d.workspace_id = :workspaceId and d.discarded_at is null
                   and (cast(:id as bigint) is null or d.id = :id)
                   and (cast(:destination as text) is null or d.destination = :destination)
                   and (cast(:status as int) is null or d.last_status = :status)
                   and (cast(:since as timestamptz) is null or d.dead_at >= :since)
                   and (cast(:until as timestamptz) is null or d.dead_at < :until)
                 order by d.id
                   for update of d
                """)
        List<ChosenRow> chooseDead(String workspaceId, @Nullable Long id, @Nullable String destination,
                                   @Nullable Integer status, @Nullable Instant since, @Nullable Instant until);

        @Query("delete from dead_letters where workspace_id = :workspaceId and id = any(cast(:ids as bigint[]))")
        int dropDead(String workspaceId, Long[] ids);

        /*
         * Discarding keeps the row (without the event) so that the changes it carried read as dropped, not as
         * delivered; GET /identify/{id}/sync then shows what remains of the profile for that destination.
         */
        @Query("""
                update dead_letters set discarded_at = now(), event = '{"discarded": true}'::jsonb, last_error = null
                 where workspace_id = :workspaceId and id = :id and discarded_at is null
                """)
        int discardDead(String workspaceId, long id);

        /* The latest change of the profile for each destination, as delivery_status sees it. */
        @Query("""
                select distinct on (s.destination)
                       s.id, s.destination, s.profile_id, s.kind, s.status,
                       case s.status when 'delivered' then s.failed_attempts + 1
                                     when 'dead' then d.attempts else s.failed_attempts end as attempts,
                       coalesce(d.last_status, p.last_status) as last_status,
                       coalesce(d.last_error, p.last_error) as last_error, s.created_at,
                       d.dead_at as finished_at, p.available_at, s.change::text as event
                  from delivery_status s
                  left join delivery_parked p
                    on p.destination = s.destination and p.workspace_id = s.workspace_id
                   and p.profile_id = s.profile_id and s.status = 'pending'
                  left join lateral (select * from dead_letters x
                                      where x.workspace_id = s.workspace_id and x.destination = s.destination
                                        and x.profile_id = s.profile_id and s.status = 'dead'
                                      order by x.id desc limit 1) d on true
                 where s.workspace_id = :workspaceId and s.profile_id = :profileId and s.status <> 'discarded'
                   and s.destination = any(cast(:destinations as text[]))
                 order by s.destination, s.seq desc
                """)
        List<EventRow> profileSync(String workspaceId, String profileId, String[] destinations);

        @Query("""
                select id, version,
                       profile_upsert_event(workspace_id, id, version, false, true, updated_at, identifiers,
                                            traits)::text as event
                  from profiles where workspace_id = :workspaceId and id > :afterProfileId order by id limit :limit
                """)
        List<BackfillRow> backfillPage(String workspaceId, String afterProfileId, int limit);
    }

    /*
     * Plain JDBC: a writable CTE updating two tables. Each value is bound once; the erasures to reopen are those
     * whose destination rows the first update touched.
     */
    private static final String REOPEN_ERASURES = """
            with reopened as (
                update erasure_destinations d set status = 'pending', updated_at = now()
                  from unnest(?::text[], ?::text[]) as u(user_id, destination)
                 where d.workspace_id = ? and d.user_id = u.user_id and d.destination = u.destination
                returning d.workspace_id, d.user_id
            )
            update erasures e set status = 'in_progress', completed_at = null
              from (select distinct workspace_id, user_id from reopened) r
             where e.workspace_id = r.workspace_id and e.user_id = r.user_id
            """;

    private final Queries queries;

    public SyncRepository(Queries queries) {
        this.queries = queries;
    }

    /*
     * Each method takes the connection of the caller's transaction; the repository's statements join that
     * transaction, and so run on that same connection.
     */

    public Map<String, DestinationCounts> counts(Connection c, String workspaceId) throws SQLException {
        Map<String, DestinationCounts> counts = new HashMap<>();
        for (CountsRow row : queries.counts(workspaceId)) {
            counts.put(row.destination(), new DestinationCounts(row.pending(), row.inFlight(), row.dead(),
                    row.delivered(), row.oldest()));
        }
        return counts;
    }

    /** {@code profileId} null lists every profile's. */
    public List<EventView> deadLetters(Connection c, String workspaceId, DeadLetterFilter filter, String profileId,
                                       long afterId, int limit) throws SQLException {
        return views(queries.deadLetters(workspaceId, filter.destination(), filter.status(), filter.since(),
                filter.until(), profileId, afterId, limit));
    }

    /** A dead letter chosen for a retry: the change to append, or none when its profile is gone. */
    public record Retried(long id, String destination, String profileId, String kind,
                          ChangeLogWriter.Change change) {
    }

    /**
     * Takes the dead letters the filter selects out of the dead-letter list and answers the changes that send them
     * again (the caller appends them, last in its transaction); an upsert of a profile that is gone has none.
     */
    public List<Retried> retryDead(Connection c, String workspaceId, Long id, DeadLetterFilter filter)
            throws SQLException {
        List<Retried> chosen = new ArrayList<>();
        for (ChosenRow row : queries.chooseDead(workspaceId, id, filter.destination(), filter.status(),
                filter.since(), filter.until())) {
            ChangeLogWriter.Change change = null;
            if (ChangeKind.of(row.kind()) != ChangeKind.UPSERT) {
                change = new ChangeLogWriter.Change(workspaceId, row.profileId(), row.version(), ChangeKind.of(row.kind()),
                        row.event(), row.destination(), ChangeLogWriter.Cause.RETRY, ChangeLogWriter.Source.SERVICE);
            } else if (row.profileExists()) {
                change = new ChangeLogWriter.Change(workspaceId, row.profileId(), row.profileVersion(), ChangeKind.UPSERT,
                        row.profileEvent(), row.destination(), ChangeLogWriter.Cause.RETRY,
                        ChangeLogWriter.Source.SERVICE);
            }
            chosen.add(new Retried(row.id(), row.destination(), row.profileId(), row.kind(), change));
        }
        if (chosen.isEmpty()) {
            return chosen;
        }
        queries.dropDead(workspaceId, chosen.stream().map(Retried::id).toArray(Long[]::new));
        List<Retried> erasures = chosen.stream().filter(r -> ChangeKind.of(r.kind()) != ChangeKind.UPSERT).toList();
        if (!erasures.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(REOPEN_ERASURES)) {
                ps.setArray(1, c.createArrayOf("text", erasures.stream().map(Retried::profileId).toArray()));
                ps.setArray(2, c.createArrayOf("text", erasures.stream().map(Retried::destination).toArray()));
                ps.setString(3, workspaceId);
                ps.executeUpdate();
            }
        }
        return chosen;
    }

    public boolean deleteDead(Connection c, String workspaceId, long id) throws SQLException {
        return queries.discardDead(workspaceId, id) > 0;
    }

    /**
     * The latest change per destination among {@code destinations} (those configured for the workspace: a destination
     * taken out of the configuration keeps its cursors, and would show every later change as waiting).
     */
    public List<EventView> profileSync(Connection c, String workspaceId, String profileId, List<String> destinations)
            throws SQLException {
        return views(queries.profileSync(workspaceId, profileId, destinations.toArray(String[]::new)));
    }

    public record BackfillPage(List<ChangeLogWriter.Change> changes, String lastProfileId) {
        public long enqueued() {
            return changes.size();
        }
    }

    /** The next page of the workspace's profiles, each as a change carrying its whole state for one destination. */
    public BackfillPage backfillPage(Connection c, String workspaceId, String destination, String afterProfileId,
                                     int pageSize) throws SQLException {
        List<ChangeLogWriter.Change> changes = new ArrayList<>();
        String last = null;
        for (BackfillRow row : queries.backfillPage(workspaceId, afterProfileId, pageSize)) {
            last = row.id();
            changes.add(new ChangeLogWriter.Change(workspaceId, last, row.version(), ChangeKind.UPSERT,
                    row.event(), destination, ChangeLogWriter.Cause.BACKFILL, ChangeLogWriter.Source.SERVICE));
        }
        return new BackfillPage(changes, last);
    }

    private static List<EventView> views(List<EventRow> rows) throws SQLException {
        List<EventView> views = new ArrayList<>();
        for (EventRow r : rows) {
            views.add(new EventView(r.id(), r.destination(), r.profileId(), r.kind(), r.status(), r.attempts(),
                    r.lastStatus(), r.lastError(), r.createdAt(), r.finishedAt(), r.availableAt(),
                    DeliveryRepository.object(r.event())));
        }
        return views;
    }
}
