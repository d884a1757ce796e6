-- What made each change, for field history (issue 13) and the subject-access export: its cause, and the API key
-- (id and name as they were at the time, never the secret) with the caller's optional X-ProfileHub-Source label.
-- Nullable and without defaults, so adding them rewrites nothing; rows written before this migration have none.
alter table change_log
    add column cause text,
    add column source_key_id text,
    add column source_key_name text,
    add column source_label text;

alter table change_log
    add constraint change_log_cause_check
        check (cause in ('create', 'update', 'merge', 'undo', 'erasure', 'backfill', 'retry'));
