-- Backfills enqueue a full upsert of every profile of a workspace for one destination, page by page.
create table backfill_jobs (
    workspace_id    text        not null,
    id              text        not null,
    destination     text        not null,
    status          text        not null default 'running', -- running | completed | failed
    enqueued        bigint      not null default 0,
    last_profile_id text,
    error           text,
    started_at      timestamptz not null default now(),
    finished_at     timestamptz,
    primary key (workspace_id, id)
);

-- Per-workspace operator views (destination status, dead letters) without scanning other workspaces' events.
create index outbox_workspace_status on outbox_events (workspace_id, destination, status, id);
drop index outbox_dead;
