-- The service's create transaction (ProfileService.identify → ProfileRepository.OWNERS, then CREATE), verbatim
-- but for the bind parameters: a new person with a unique email, one outbox event per destination named in
-- :dests (pgbench -D dests='{bench}', or '{d1,d2,d3,d4,d5}': the service passes its enabled destinations the same
-- way, as one text[] parameter).
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
), events as (
    insert into outbox_events (workspace_id, destination, profile_id, kind, profile_version, payload)
    select c.workspace_id, d.name, c.id, 'upsert', c.version,
           profile_upsert_event(c.workspace_id, c.id, c.version, true, false, c.updated_at,
                                            c.identifiers, c.traits)
      from created c cross join unnest(:dests::text[]) as d(name)
)
select c.id, c.workspace_id, c.identifiers::text, c.traits::text, c.created_at, c.updated_at, c.version,
       (select count(*) from claimed) as claimed, s.bytes
  from sized s left join created c on true;
COMMIT;
