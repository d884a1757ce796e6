-- Patches applied in turn, in one call: a batch's consecutive changes of one profile that no single merge patch
-- can express (an object over an earlier scalar) still make one write.
create function jsonb_merge_patches(target jsonb, patches jsonb) returns jsonb
    language plpgsql immutable parallel safe as
$$
declare
    p      jsonb;
    result jsonb := target;
begin
    for p in select * from jsonb_array_elements(patches)
        loop
            result := jsonb_merge_patch(result, p);
        end loop;
    return result;
end
$$;

-- Idempotency-Key: a key is claimed (committed) before the work starts, so a concurrent request with the same key
-- sees it in flight instead of doing the work a second time; the answer is stored once the work is done.
-- Records hold a hash of the request and answers without personal data, name the profiles they are about (so
-- erasing one of them scrubs them) and are purged after profilehub.idempotency.retention. Records written before
-- this migration may hold values clients sent as ids (emails); they are dropped (erasure itself is idempotent).
delete from idempotency_keys;
alter table idempotency_keys
    alter column status drop not null,
    alter column body drop not null,
    add column state    text   not null default 'claimed' check (state in ('claimed', 'done')),
    add column subjects text[] not null default '{}',
    add column claimed_at timestamptz not null default now();
comment on column idempotency_keys.request is 'SHA-256 of method, URI and body';
create index idempotency_keys_created on idempotency_keys (created_at);
create index idempotency_keys_subjects on idempotency_keys using gin (subjects);
