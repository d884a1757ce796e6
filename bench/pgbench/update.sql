-- The service's update transaction (ProfileService.update → ProfileRepository.MERGE), verbatim but for the bind
-- parameters: a traits patch on a loaded profile that always changes it, one outbox event per destination in :dests
-- (pgbench -D dests='{d1,d2,d3,d4,d5}'; see create.sql).
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
), events as (
    insert into outbox_events (workspace_id, destination, profile_id, kind, profile_version, payload)
    select u.workspace_id, d.name, u.id, 'upsert', u.version,
           profile_upsert_event(u.workspace_id, u.id, u.version, false, false, u.updated_at,
                                            u.identifiers_change, u.traits_change)
      from updated u cross join unnest(:dests::text[]) as d(name)
)
select coalesce(u.id, m.id), m.workspace_id,
       coalesce(u.identifiers, m.identifiers)::text, coalesce(u.traits, m.traits)::text,
       m.created_at, coalesce(u.updated_at, m.updated_at), coalesce(u.version, m.version),
       m.version as previous_version, u.id is not null as changed,
       u.id is null and m.new_bytes > 262144 and m.new_bytes >= m.old_bytes
           and (m.new_identifiers <> m.identifiers or m.new_traits <> m.traits) as too_large,
       m.new_bytes
  from sized m left join updated u on true;
COMMIT;
