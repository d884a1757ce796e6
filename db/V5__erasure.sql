-- GDPR erasure: a record per erased user and per destination, holding no personal data.
create table erasures (
    workspace_id text        not null,
    user_id      text        not null,
    requested_at timestamptz not null default now(),
    status       text        not null default 'in_progress', -- in_progress | completed
    suppressed   boolean     not null default false,
    completed_at timestamptz,
    primary key (workspace_id, user_id)
);
create index erasures_open on erasures (workspace_id, requested_at, user_id) where status = 'in_progress';

create table erasure_destinations (
    workspace_id text        not null,
    user_id      text        not null,
    destination  text        not null,
    status       text        not null default 'pending', -- pending | erased | scrubbed | unsupported | dead
    event_id     bigint,
    detail       text,
    last_status  integer,
    updated_at   timestamptz not null default now(),
    primary key (workspace_id, user_id, destination)
);

-- Keyed hashes (HMAC under a server secret) of erased unique-key values: a later create with one answers 409.
create table suppressions (
    workspace_id text        not null,
    hash         text        not null,
    key_name     text        not null,
    created_at   timestamptz not null default now(),
    primary key (workspace_id, hash)
);

-- Idempotency-Key: a retried request gets the first answer.
create table idempotency_keys (
    workspace_id text        not null,
    key          text        not null,
    request      text        not null,
    status       integer     not null,
    body         jsonb       not null,
    created_at   timestamptz not null default now(),
    primary key (workspace_id, key)
);

-- Erasure progress follows its outbox events: delivered (with the connector's result word) or dead, and back to
-- pending when an operator retries a dead one. Once an erasure reaches a destination, nothing that remains of
-- the user's earlier events for it (payloads, vendor answers) is kept either.
create function erasure_progress() returns trigger
    language plpgsql as
$$
begin
    -- Events of one erasure settle in parallel transactions (one per destination): take the erasure's row lock
    -- first, so each sees the others' committed progress when it decides whether the erasure is complete.
    perform 1 from erasures where workspace_id = new.workspace_id and user_id = new.profile_id for update;
    if new.status in ('delivered', 'dead') then
        update erasure_destinations
           set status = case when new.status = 'dead' then 'dead'
                             else coalesce(new.payload ->> 'result', 'erased') end,
               detail = case when new.status = 'dead' then new.last_error else new.payload ->> 'note' end,
               last_status = new.last_status, event_id = new.id, updated_at = now()
         where workspace_id = new.workspace_id and user_id = new.profile_id and destination = new.destination;
        update outbox_events
           set payload = jsonb_build_object('scrubbed', true), last_error = null
         where workspace_id = new.workspace_id and profile_id = new.profile_id and destination = new.destination
           and kind = 'upsert' and status <> 'in_flight';
    elsif new.status = 'pending' and old.status = 'dead' then
        update erasure_destinations set status = 'pending', updated_at = now()
         where workspace_id = new.workspace_id and user_id = new.profile_id and destination = new.destination;
    end if;
    update erasures e
       set status = case when exists (select 1 from erasure_destinations d
                                        where d.workspace_id = e.workspace_id and d.user_id = e.user_id
                                          and d.status = 'pending') then 'in_progress' else 'completed' end,
           completed_at = case when exists (select 1 from erasure_destinations d
                                             where d.workspace_id = e.workspace_id and d.user_id = e.user_id
                                               and d.status = 'pending') then null else now() end
     where e.workspace_id = new.workspace_id and e.user_id = new.profile_id;
    return null;
end
$$;

create trigger erasure_progress
    after update of status on outbox_events
    for each row
    when (new.kind = 'delete' and old.status is distinct from new.status)
execute function erasure_progress();
