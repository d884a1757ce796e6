-- The service's create transaction (POST /identify: ProfileBatchService.one → ProfileBatchRepository.RESOLVE,
-- Suppressions.FIND (left out here, as before: no suppressions in the bench), then CREATE_MANY for one profile),
-- verbatim but for the bind parameters: a new person with a unique email, then its change appended to the change
-- log (ChangeLogWriter.APPEND) as the service's last statement; :dests is no longer used (one change whatever the
-- number of destinations).
\set n random(1, 999999999999999)
\set last random(0, 19999)
BEGIN;
set local plan_cache_mode = force_generic_plan;
select k.key_name, k.key_value, k.profile_id, null::bigint
  from unnest(array['email']::text[], array['pgb' || :n || '@bench.example']::text[]) as wanted(name, value)
 cross join lateral (select * from identity_keys k
                      where k.workspace_id = 'default' and k.key_name = wanted.name and k.key_value = wanted.value
                     offset 0) k
union all
select null, null, p.id, p.version
  from profiles p
 where p.workspace_id = 'default' and p.id = any('{}'::text[]);
with input as (
    select * from unnest(array['usr_p' || lpad(:n::text, 15, '0')]::text[], array['{"email":"pgb' || :n || '@bench.example","name":{"first":"First1","last":"Last' || :last || '"}}']::text[], array['{"plan":"free","seats":1}']::text[]) with ordinality as i(id, identifiers, traits, ord)
), stripped as (
    select i.id, i.ord, jsonb_strip_nulls(i.identifiers::jsonb) as identifiers,
           jsonb_strip_nulls(i.traits::jsonb) as traits
      from input i
), sized as (
    select s.*, octet_length(s.identifiers::text) + octet_length(s.traits::text) as bytes from stripped s
), created as (
    insert into profiles (workspace_id, id, identifiers, traits)
    select 'default', s.id, s.identifiers, s.traits
      from sized s
     where s.bytes <= 262144
     order by s.ord
    returning id, workspace_id, identifiers, traits, created_at, updated_at, version
), claimed as (
    insert into identity_keys (workspace_id, key_name, key_value, profile_id)
    select c.workspace_id, k.name, k.value, c.id
      from created c join unnest(array['usr_p' || lpad(:n::text, 15, '0')]::text[], array['email']::text[], array['pgb' || :n || '@bench.example']::text[]) as k(profile_id, name, value)
        on k.profile_id = c.id
    on conflict do nothing
    returning profile_id
)
select c.id, (select count(*) from claimed k where k.profile_id = c.id), c.version,
       profile_upsert_event(c.workspace_id, c.id, c.version, true, false, c.updated_at,
                            c.identifiers, c.traits)::text,
       null::bigint, case when true::boolean then c.identifiers::text end,
       case when true::boolean then c.traits::text end, c.created_at, c.updated_at
  from created c
union all
select s.id, -1, null, null, s.bytes, null, null, null, null
  from sized s where s.id not in (select id from created);
-- ChangeLogWriter.APPEND, as the service sends it: one change, the event the statement above answered (here
-- rebuilt from the profile, as the service's statement builds it).
with input as materialized (
    select i.*, change_lane(i.workspace_id, i.profile_id) as lane
      from (select 'default'::text as workspace_id, p.id as profile_id, p.version, 'upsert'::text as kind,
                   profile_upsert_event(p.workspace_id, p.id, p.version, true, false, p.updated_at,
                                        p.identifiers, p.traits)::text as event,
                   null::text as destination, 1::bigint as ord
              from profiles p where p.workspace_id = 'default' and p.id = 'usr_p' || lpad(:n::text, 15, '0')) i
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
insert into change_log (lane, seq, workspace_id, profile_id, version, kind, change, destination)
select i.lane, b.base + row_number() over (partition by i.lane order by i.ord), i.workspace_id,
       i.profile_id, i.version, i.kind, i.event::jsonb, i.destination
  from input i join bumped b on b.lane = i.lane;
COMMIT;
