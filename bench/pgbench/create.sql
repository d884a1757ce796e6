-- The service's create transaction (ProfileService.identify → ProfileRepository.OWNERS, then CREATE), verbatim
-- but for the bind parameters: a new person with a unique email, one outbox event for the one destination.
\set n random(1, 999999999999999)
\set last random(0, 19999)
BEGIN;
select k.key_name, k.key_value, k.profile_id
  from identity_keys k
  join unnest(array['email']::text[], array['pgb' || :n || '@bench.example']::text[]) as wanted(name, value)
    on k.key_name = wanted.name and k.key_value = wanted.value
 where k.workspace_id = 'default';
with created as (
    insert into profiles (workspace_id, id, identifiers, traits)
    values ('default', 'usr_p' || lpad(:n::text, 15, '0'),
            jsonb_strip_nulls(('{"email":"pgb' || :n || '@bench.example","name":{"first":"First1","last":"Last' || :last || '"}}')::jsonb),
            jsonb_strip_nulls('{"plan":"free","seats":1}'::jsonb))
    returning id, workspace_id, identifiers, traits, created_at, updated_at, version
), claimed as (
    insert into identity_keys (workspace_id, key_name, key_value, profile_id)
    select c.workspace_id, k.name, k.value, c.id
      from created c cross join unnest(array['email']::text[], array['pgb' || :n || '@bench.example']::text[]) as k(name, value)
    on conflict do nothing
    returning key_name
), events as (
    insert into outbox_events (workspace_id, destination, profile_id, kind, profile_version, payload)
    select c.workspace_id, d.name, c.id, 'upsert', c.version,
           profile_upsert_event(c.workspace_id, c.id, c.version, true, false, c.updated_at,
                                            c.identifiers, c.traits)
      from created c cross join unnest(array['bench']::text[]) as d(name)
)
select c.id, c.workspace_id, c.identifiers::text, c.traits::text, c.created_at, c.updated_at, c.version,
       (select count(*) from claimed) as claimed
  from created c;
COMMIT;
