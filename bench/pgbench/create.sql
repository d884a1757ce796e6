-- The service's create transaction (ProfileService.identify → ProfileRepository.OWNERS, then CREATE), verbatim
-- but for the bind parameters: a new person with a unique email, then its change appended to the change
-- log (ChangeLogWriter.APPEND) as the service's last statement; :dests is no longer used (one change whatever the
-- number of destinations).
\set n random(1, 999999999999999)
\set last random(0, 19999)
BEGIN;
select k.key_name, k.key_value, k.profile_id
  from identity_keys k
  join unnest(array['email']::text[], array['pgb' || :n || '@bench.example']::text[]) as wanted(name, value)
    on k.key_name = wanted.name and k.key_value = wanted.value
 where k.workspace_id = 'default';
with input as (
    select jsonb_strip_nulls(('{"email":"pgb' || :n || '@bench.example","name":{"first":"First1","last":"Last' || :last || '"}}')::jsonb) as identifiers,
           jsonb_strip_nulls('{"plan":"free","seats":1}'::jsonb) as traits
), sized as (
    select i.*, octet_length(i.identifiers::text) + octet_length(i.traits::text) as bytes from input i
), created as (
    insert into profiles (workspace_id, id, identifiers, traits)
    select 'default', 'usr_p' || lpad(:n::text, 15, '0'), s.identifiers, s.traits from sized s where s.bytes <= 262144
    returning id, workspace_id, identifiers, traits, created_at, updated_at, version
), claimed as (
    insert into identity_keys (workspace_id, key_name, key_value, profile_id)
    select c.workspace_id, k.name, k.value, c.id
      from created c cross join unnest(array['email']::text[], array['pgb' || :n || '@bench.example']::text[]) as k(name, value)
    on conflict do nothing
    returning key_name
)
select c.id, c.workspace_id, c.identifiers::text, c.traits::text, c.created_at, c.updated_at, c.version,
       (select count(*) from claimed) as claimed, s.bytes
  from sized s left join created c on true;
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
