-- The service's update transaction (POST /identify/{id}: ProfileBatchService.one → ProfileBatchRepository.MERGE_MANY
-- for one profile, the statements of the batch; its first attempt reads nothing before it), verbatim but for the
-- bind parameters: a traits patch on a loaded profile that always changes it, then its change appended to the
-- change log as in create.sql.
\set n random(1, :profiles)
\set score random(1, 1000000000)
BEGIN;
set local plan_cache_mode = force_generic_plan;
with input as (
    select * from unnest(array['usr_b' || lpad(:n::text, 15, '0')]::text[], array['[]']::text[], array['[{"score":' || :score || ',"plan":"pro"}]']::text[], array[null]::text[], array[null]::bigint[])
               as i(id, identifiers_patch, traits_patch, traits_once, expected)
), current as (
    select p.id, p.workspace_id, p.identifiers, p.traits, p.version, p.created_at, p.updated_at,
           i.expected, i.identifiers_patch::jsonb as identifiers_patch, i.traits_patch::jsonb as traits_patch,
           i.traits_once::jsonb as traits_once
      from (select * from input order by id) i
     cross join lateral (select * from profiles p where p.workspace_id = 'default' and p.id = i.id for update) p
     order by p.id
), merged as (
    select c.*, jsonb_merge_patches(c.identifiers, c.identifiers_patch) as new_identifiers,
           case when c.traits_once is null then jsonb_merge_patches(c.traits, c.traits_patch)
                else jsonb_fill_missing(jsonb_merge_patches(c.traits, c.traits_patch), c.traits_once)
           end as new_traits
      from current c
), sized as (
    select m.*, octet_length(m.new_identifiers::text) + octet_length(m.new_traits::text) as new_bytes,
           octet_length(m.identifiers::text) + octet_length(m.traits::text) as old_bytes,
           (m.new_identifiers <> m.identifiers or m.new_traits <> m.traits) as differs,
           (m.expected is null or m.version = m.expected) as expected_version
      from merged m
), updated as (
    update profiles p
       set identifiers = m.new_identifiers, traits = m.new_traits,
           version = m.version + 1, updated_at = clock_timestamp()
      from sized m
     where p.workspace_id = m.workspace_id and p.id = m.id
       and m.expected_version and m.differs
       and (m.new_bytes <= 262144 or m.new_bytes < m.old_bytes)
    returning p.id, p.workspace_id, p.identifiers, p.traits, p.version, p.updated_at,
              jsonb_merge_diff(m.identifiers, p.identifiers) as identifiers_change,
              jsonb_merge_diff(m.traits, p.traits) as traits_change
), touched as (
    select k.* from unnest('{}'::text[], '{}'::text[], '{}'::text[]) as k(profile_id, name, value)
     where k.profile_id in (select id from updated)
), released as (
    delete from identity_keys i
     using (select distinct profile_id, name from touched) t
     where i.workspace_id = 'default' and i.profile_id = t.profile_id and i.key_name = t.name
       and not exists (select 1 from touched w
                        where w.profile_id = i.profile_id and w.name = i.key_name and w.value = i.key_value)
), missing as (
    select w.profile_id, w.name, w.value from touched w
     where w.value is not null
       and not exists (select 1 from identity_keys i
                        where i.workspace_id = 'default' and i.key_name = w.name and i.key_value = w.value
                          and i.profile_id = w.profile_id)
), claimed as (
    insert into identity_keys (workspace_id, key_name, key_value, profile_id)
    select 'default', m.name, m.value, m.profile_id from missing m
    on conflict do nothing
    returning profile_id
), shortfall as (
    select profile_id, count(*) as n from missing group by profile_id
    union all
    select profile_id, -count(*) from claimed group by profile_id
)
select m.id, u.id is not null as changed, u.identifiers::text,
       (select coalesce(sum(s.n), 0) from shortfall s where s.profile_id = m.id) as unclaimed,
       u.id is null and m.new_bytes > 262144 and m.new_bytes >= m.old_bytes and m.expected_version
           and m.differs as too_large,
       u.version,
       profile_upsert_event(u.workspace_id, u.id, u.version, false, false, u.updated_at,
                            u.identifiers_change, u.traits_change)::text as event,
       m.version as previous_version, m.new_bytes, m.workspace_id,
       case when true::boolean then coalesce(u.identifiers, m.identifiers)::text end,
       case when true::boolean then coalesce(u.traits, m.traits)::text end,
       m.created_at, coalesce(u.updated_at, m.updated_at), coalesce(u.version, m.version)
  from sized m left join updated u on u.id = m.id;
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
