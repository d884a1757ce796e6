-- The service's update transaction (ProfileService.update → ProfileRepository.MERGE), verbatim but for the bind
-- parameters: a traits patch on a loaded profile that always changes it, then its change appended to the
-- change log as in create.sql.
\set n random(1, :profiles)
\set score random(1, 1000000000)
BEGIN;
with current as (
    select id, workspace_id, identifiers, traits, created_at, updated_at, version
      from profiles where workspace_id = 'default' and id = 'usr_b' || lpad(:n::text, 15, '0')
       for update
), merged as (
    select c.*, jsonb_merge_patch(c.identifiers, '{}'::jsonb) as new_identifiers,
           jsonb_merge_patch(c.traits, ('{"score":' || :score || ',"plan":"pro"}')::jsonb) as new_traits
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
       and (null::bigint is null or m.version = null::bigint)
       and (m.new_identifiers <> m.identifiers or m.new_traits <> m.traits)
       and (m.new_bytes <= 262144 or m.new_bytes < m.old_bytes)
    returning p.id, p.workspace_id, p.identifiers, p.traits, p.created_at, p.updated_at, p.version,
              jsonb_merge_diff(m.identifiers, p.identifiers) as identifiers_change,
              jsonb_merge_diff(m.traits, p.traits) as traits_change
)
select coalesce(u.id, m.id), m.workspace_id,
       coalesce(u.identifiers, m.identifiers)::text, coalesce(u.traits, m.traits)::text,
       m.created_at, coalesce(u.updated_at, m.updated_at), coalesce(u.version, m.version),
       m.version as previous_version, u.id is not null as changed,
       u.id is null and m.new_bytes > 262144 and m.new_bytes >= m.old_bytes
           and (m.new_identifiers <> m.identifiers or m.new_traits <> m.traits) as too_large,
       m.new_bytes
  from sized m left join updated u on true;
-- ChangeLogWriter.APPEND, as the service sends it: one change, the event the statement above answered (here
-- rebuilt from the profile, as the service's statement builds it).
with input as materialized (
    select i.*, change_lane(i.workspace_id, i.profile_id) as lane
      from (select 'default'::text as workspace_id, p.id as profile_id, p.version, 'upsert'::text as kind,
                   profile_upsert_event(p.workspace_id, p.id, p.version, false, false, p.updated_at,
                                        '{}'::jsonb, ('{"score":' || :score || ',"plan":"pro"}')::jsonb)::text as event,
                   null::text as destination, 1::bigint as ord
              from profiles p where p.workspace_id = 'default' and p.id = 'usr_b' || lpad(:n::text, 15, '0')) i
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
