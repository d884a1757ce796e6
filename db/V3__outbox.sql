-- Transactional outbox: one row per (change, destination), written in the transaction that changes the profile.
create table outbox_events (
    workspace_id    text        not null,
    id              bigint generated always as identity,
    destination     text        not null,
    profile_id      text        not null,
    kind            text        not null, -- upsert | delete
    payload         jsonb,
    profile_version bigint,
    status          text        not null default 'pending', -- pending | in_flight | delivered | dead | cancelled
    attempts        integer     not null default 0,
    available_at    timestamptz not null default now(),
    lease_until     timestamptz,
    lease_owner     text,
    created_at      timestamptz not null default now(),
    finished_at     timestamptz,
    last_status     integer,
    last_error      text,
    primary key (workspace_id, id)
);

-- Claiming: the oldest active events of one destination, and "is there an earlier active event of this profile".
create index outbox_active on outbox_events (destination, id) where status in ('pending', 'in_flight');
create index outbox_profile_active on outbox_events (destination, profile_id, id) where status in ('pending', 'in_flight');
-- Per-profile sync state, dead-letter listing, retention purge.
create index outbox_profile on outbox_events (workspace_id, profile_id, destination, id);
create index outbox_dead on outbox_events (destination, id) where status = 'dead';
create index outbox_finished on outbox_events (finished_at) where status in ('delivered', 'cancelled');

-- Wake the delivery workers of each destination as soon as its events commit (LISTEN profilehub_outbox).
create function outbox_notify() returns trigger
    language plpgsql as
$$
declare
    d text;
begin
    for d in select distinct destination from new_events
        loop
            perform pg_notify('profilehub_outbox', d);
        end loop;
    return null;
end
$$;

create trigger outbox_notify
    after insert on outbox_events
    referencing new table as new_events
    for each statement
execute function outbox_notify();

-- Operator state of a destination (paused when its credentials are refused).
create table destination_state (
    name          text primary key,
    paused        boolean     not null default false,
    paused_reason text,
    paused_at     timestamptz,
    last_error    text,
    last_error_at timestamptz
);
