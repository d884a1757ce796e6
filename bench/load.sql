-- Loads :profiles profiles straight into the tables (psql -v profiles=N), as the service would have stored them:
-- unique email and userId (with their identity_keys rows), a nested name whose last name is shared by ~50 profiles,
-- an address and a few traits. Indexes are dropped and rebuilt around the load, which is many times faster.
\set ON_ERROR_STOP on
set search_path = profilehub;
set maintenance_work_mem = '512MB';
set synchronous_commit = off;

drop index profiles_identifiers_gin;
drop index identity_keys_profile;
alter table identity_keys drop constraint identity_keys_pkey;

insert into profiles (workspace_id, id, identifiers, traits, created_at, updated_at)
select 'default', 'usr_b' || lpad(g::text, 15, '0'),
       jsonb_build_object(
           'email', 'user' || g || '@example.com',
           'userId', 'u' || g,
           'name', jsonb_build_object('first', 'First' || (g % 997), 'last', 'Last' || (g % (:profiles / 50))),
           'address', jsonb_build_object('city', 'City' || (g % 300),
                                         'country', (array['NO', 'SE', 'DK', 'FI'])[1 + g % 4])),
       jsonb_build_object('plan', case when g % 10 = 0 then 'pro' else 'free' end,
                          'seats', g % 50, 'score', (g::bigint * 7919) % 1000),
       now() - g * interval '1 second', now()
  from generate_series(1, :profiles) g;

insert into identity_keys (workspace_id, key_name, key_value, profile_id)
select 'default', k.name, k.value, 'usr_b' || lpad(g::text, 15, '0')
  from generate_series(1, :profiles) g,
       lateral (values ('email', 'user' || g || '@example.com'), ('userId', 'u' || g)) as k(name, value);

alter table identity_keys add primary key (workspace_id, key_name, key_value);
create index identity_keys_profile on identity_keys (workspace_id, profile_id);
create index profiles_identifiers_gin on profiles using gin (identifiers jsonb_path_ops);

vacuum analyze profiles;
vacuum analyze identity_keys;
checkpoint;
