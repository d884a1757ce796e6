-- The outbox becomes a change log: one row per committed change, whatever the number of destinations, and delivery
-- progress kept apart from the changes, as a position per (destination, lane). Measured before (V3's one row per
-- change and destination): 5 rows, 5 payload copies and 30 index entries per change with 5 destinations, two more
-- row versions per delivery (claim, settle), ~53 transactions per create once delivered everywhere.

-- Lanes: a fixed hash of (workspace, profile) into 64 lanes. One profile's changes are all in one lane, so lane order
-- is per-profile order. last_seq numbers the lane's changes densely (1, 2, 3, ...).
create table change_lanes (
    lane     integer primary key,
    last_seq bigint not null default 0
);
insert into change_lanes (lane) select generate_series(0, 63);

create function change_lane(workspace_id text, profile_id text) returns integer
    language sql immutable parallel safe as
$$
select (hashtextextended(workspace_id || '/' || profile_id, 0) & 63)::integer
$$;

-- Commit order. A reader takes "the lane's changes after my position", so a change must never become visible with a
-- number below one already read. Writers number their changes under the lane's row lock (ChangeLogWriter: one
-- statement at the end of the writing transaction, lanes locked in ascending order): the lock is held until commit,
-- so a lane's numbers are handed out one transaction after another and commit in that order, and a rolled-back
-- transaction gives its numbers back with its counter update. Hence every number up to the committed last_seq is
-- committed, and a reader that reads (position, last_seq] as seen by its own snapshot never skips one. The price:
-- writers of one lane queue for each other's commit (the lock is taken by the transaction's last statement, so it is
-- held for about one commit), while writers of different lanes never wait. Lanes are always the last locks a
-- transaction takes, in ascending order, so they cannot close a deadlock cycle with profile or key row locks.
create table change_log (
    id           bigint generated always as identity,
    lane         integer     not null,
    seq          bigint      not null,
    workspace_id text        not null,
    profile_id   text        not null,
    version      bigint,
    kind         text        not null check (kind in ('upsert', 'delete')),
    change       jsonb       not null, -- the event document vendors' connectors map (profile_upsert_event, erasures)
    destination  text, -- null: every destination serving the workspace; else for that one only (backfill, retry, erasure)
    created_at   timestamptz not null default clock_timestamp()
) partition by range (created_at);

-- Readers walk a lane by number; erasure, per-profile sync state and parked retries find a profile's changes.
create index change_log_lane on change_log (lane, seq);
create index change_log_profile on change_log (workspace_id, profile_id, seq);

-- Retention drops whole days once every destination is past them (ChangeLogMaintenance): no DELETE of delivered
-- rows, so no dead tuples on the hot path. The default partition only catches rows of days the maintenance job has
-- not created yet (it creates three days ahead, and at start-up).
create table change_log_default partition of change_log default;

create function change_log_add_partitions(days_ahead integer) returns integer
    language plpgsql as
$$
declare
    day     date;
    name    text;
    created integer := 0;
begin
    perform pg_advisory_xact_lock(hashtext(current_schema() || '.change_log partitions'));
    for day in select generate_series(current_date - 1, current_date + days_ahead, interval '1 day')::date
        loop
            name := 'change_log_' || to_char(day, 'YYYYMMDD');
            if to_regclass(format('%I.%I', current_schema(), name)) is null then
                begin
                    execute format('create table %I.%I partition of %I.change_log for values from (%L) to (%L)',
                                   current_schema(), name, current_schema(),
                                   day::timestamp at time zone 'UTC', (day + 1)::timestamp at time zone 'UTC');
                    created := created + 1;
                exception
                    when check_violation then
                        -- rows of that day already sit in the default partition (the service was not running to
                        -- create it): they stay there, which costs nothing but a larger default partition
                        null;
                end;
            end if;
        end loop;
    return created;
end
$$;

select change_log_add_partitions(3);

-- A destination's progress per lane: everything at or below position is settled for it (delivered, dead-lettered,
-- not for it, or held by a parked profile). since_seq: where the cursor began; earlier changes were never its own.
create table delivery_cursors (
    destination text        not null,
    lane        integer     not null,
    position    bigint      not null,
    since_seq   bigint      not null,
    lease_owner text,
    lease_until timestamptz,
    advanced_at timestamptz not null default now(),
    primary key (destination, lane)
);

-- A profile whose delivery to one destination must wait (a failed attempt, or a change that could not go with the
-- previous one): its changes from from_seq on go only through this row, so the lane moves on without it.
create table delivery_parked (
    destination  text        not null,
    workspace_id text        not null,
    profile_id   text        not null,
    lane         integer     not null,
    from_seq     bigint      not null,
    attempts     integer     not null default 0, -- failed attempts of the change at from_seq
    available_at timestamptz not null,
    last_status  integer,
    last_error   text,
    parked_at    timestamptz not null default now(),
    primary key (destination, workspace_id, profile_id)
);
create index delivery_parked_due on delivery_parked (destination, lane, available_at);

-- Failed attempts, one row per failed request and profile: what counts towards max-attempts, what
-- GET /identify/{id}/sync reports as attempts, and what a vendor may have received more than once.
create table delivery_failures (
    destination   text        not null,
    workspace_id  text        not null,
    profile_id    text        not null,
    first_version bigint,
    last_version  bigint,
    http_status   integer,
    error         text,
    failed_at     timestamptz not null default now()
);
create index delivery_failures_profile on delivery_failures (workspace_id, profile_id, destination);
create index delivery_failures_time on delivery_failures (failed_at);

-- Changes a destination will not take (refused, or out of attempts): the composed event as it was sent.
create table dead_letters (
    workspace_id  text        not null,
    id            bigint generated always as identity,
    destination   text        not null,
    profile_id    text        not null,
    kind          text        not null check (kind in ('upsert', 'delete')),
    first_version bigint,
    version       bigint,
    event         jsonb       not null,
    attempts      integer     not null,
    last_status   integer,
    last_error    text,
    created_at    timestamptz not null, -- when the first change it carries was written
    dead_at       timestamptz not null default now(),
    discarded_at  timestamptz, -- an operator dropped it (DELETE): its changes are neither dead nor delivered
    primary key (workspace_id, id)
);
create index dead_letters_destination on dead_letters (workspace_id, destination, id);
create index dead_letters_profile on dead_letters (workspace_id, profile_id, destination);

-- Which workspaces each destination serves (null: every one), kept by the running service from its configuration,
-- for views that expand the log per destination.
alter table destination_state add column workspaces text[];

-- Each change as each destination sees it: an operator's and a test's view (the engine reads its tables directly).
-- status: delivered | pending | in_flight | dead | discarded (a dead letter an operator dropped) | cancelled
create view delivery_status as
select l.id, l.lane, l.seq, c.destination, l.workspace_id, l.profile_id, l.version as profile_version, l.kind,
       l.change, l.created_at,
       case
           when dl.discarded_at is not null then 'discarded'
           when dl.id is not null then 'dead'
           when p.profile_id is not null and l.seq >= p.from_seq then 'pending'
           when l.seq > c.position then case when c.lease_until > now() then 'in_flight' else 'pending' end
           when l.change ? 'scrubbed' then 'cancelled'
           else 'delivered'
       end as status,
       (select count(*)
          from delivery_failures f
         where f.destination = c.destination and f.workspace_id = l.workspace_id and f.profile_id = l.profile_id
           and l.version between f.first_version and f.last_version)::integer as failed_attempts
  from change_log l
  join delivery_cursors c on c.lane = l.lane and l.seq > c.since_seq
   and (l.destination is null or l.destination = c.destination)
  join destination_state s on s.name = c.destination
   and (s.workspaces is null or l.workspace_id = any (s.workspaces))
  left join delivery_parked p
    on p.destination = c.destination and p.workspace_id = l.workspace_id and p.profile_id = l.profile_id
  left join lateral (select d.id, d.discarded_at
                       from dead_letters d
                      where d.workspace_id = l.workspace_id and d.destination = c.destination
                        and d.profile_id = l.profile_id and l.version between d.first_version and d.version
                      order by d.id desc
                      limit 1) dl on true;

-- Undelivered events move over in their order: each becomes a change for its own destination, numbered in its
-- profile's lane; every destination that had events starts at the beginning of the log (position 0), so it reads
-- them. Dead events become dead letters. Delivered and cancelled ones are history and go.
insert into destination_state (name)
select distinct destination from outbox_events
on conflict do nothing;

insert into delivery_cursors (destination, lane, position, since_seq)
select s.name, l.lane, 0, 0 from destination_state s cross join change_lanes l;

with pending as (
    select e.*, change_lane(e.workspace_id, e.profile_id) as lane
      from outbox_events e
     where e.status in ('pending', 'in_flight')
), numbered as (
    select p.*, row_number() over (partition by p.lane order by p.id) as seq from pending p
), moved as (
    insert into change_log (lane, seq, workspace_id, profile_id, version, kind, change, destination, created_at)
    select n.lane, n.seq, n.workspace_id, n.profile_id, n.profile_version, n.kind,
           coalesce(n.payload, '{}'::jsonb), n.destination, clock_timestamp()
      from numbered n
     order by n.lane, n.seq
)
update change_lanes l
   set last_seq = c.n
  from (select lane, count(*) as n from pending group by lane) c
 where l.lane = c.lane;

insert into dead_letters (workspace_id, destination, profile_id, kind, first_version, version, event, attempts,
                          last_status, last_error, created_at, dead_at)
select workspace_id, destination, profile_id, kind, profile_version, profile_version, coalesce(payload, '{}'::jsonb),
       attempts, last_status, last_error, created_at, coalesce(finished_at, now())
  from outbox_events
 where status = 'dead'
 order by id;

update erasure_destinations d
   set event_id = null;

drop trigger erasure_progress on outbox_events;
drop function erasure_progress();
drop table outbox_events;
