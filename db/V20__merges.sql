-- Merges of two profiles (issue 13). A merge absorbs one profile ("absorbed") into another ("survivor") in one
-- transaction; the absorbed id then answers as an alias of the survivor. The state both had before the merge is
-- kept (before_*) until expires_at so the merge can be undone, then dropped (the row stays as the record).
create table merges (
    workspace_id     text        not null,
    id               text        not null,
    survivor_id      text        not null,
    absorbed_id      text        not null,
    prefer           text        not null check (prefer in ('survivor', 'from')),
    status           text        not null default 'merged' check (status in ('merged', 'undone')),
    created_at       timestamptz not null default now(),
    undone_at        timestamptz,
    -- the survivor's version the merge wrote: undo refuses once the survivor has moved past it
    survivor_version bigint      not null,
    -- {"identifiers":…, "traits":…, "version":…, "createdAt":…, "updatedAt":…, "keys":[[name, value], …]} each
    before_survivor  jsonb,
    before_absorbed  jsonb,
    expires_at       timestamptz not null,
    source_key_id    text,
    source_key_name  text,
    source_label     text,
    primary key (workspace_id, id)
);
create index merges_survivor on merges (workspace_id, survivor_id);
create index merges_absorbed on merges (workspace_id, absorbed_id);
create index merges_expiry on merges (expires_at) where before_survivor is not null;

-- An absorbed id, retired as an alias of the profile that absorbed it. Requests naming it answer 308.
create table profile_aliases (
    workspace_id text        not null,
    alias_id     text        not null,
    profile_id   text        not null,
    merge_id     text        not null,
    created_at   timestamptz not null default now(),
    primary key (workspace_id, alias_id)
);
create index profile_aliases_profile on profile_aliases (workspace_id, profile_id);
