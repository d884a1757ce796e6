-- API keys are stored only as SHA-256 hashes of the secret.
create table api_keys (
    workspace_id text        not null,
    id           text        not null,
    name         text        not null,
    key_hash     bytea       not null,
    scopes       text[]      not null,
    created_at   timestamptz not null default now(),
    revoked_at   timestamptz,
    primary key (workspace_id, id),
    unique (workspace_id, key_hash)
);
-- Requests arrive with only the key, so lookups go by hash alone (a 256-bit hash: no collisions to fear).
create index api_keys_hash on api_keys (key_hash);

-- Server-wide secrets shared by every instance (page-token signing, suppression hashes).
create table server_secrets (
    name       text primary key,
    secret     bytea       not null,
    created_at timestamptz not null default now()
);
