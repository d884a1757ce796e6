-- Profiles, their unique identity keys, and the JSON Merge Patch (RFC 7396) functions the write path uses.
-- Every table that holds workspace data leads its primary key and unique constraints with workspace_id, so the
-- schema can later be distributed by workspace (Citus) without a redesign.

create table profiles (
    workspace_id text        not null,
    id           text        not null,
    identifiers  jsonb       not null default '{}'::jsonb,
    traits       jsonb       not null default '{}'::jsonb,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    version      bigint      not null default 1,
    primary key (workspace_id, id)
);

-- Containment search on nested identifiers (identifiers @> '{"name":{"last":"Doe"}}').
create index profiles_identifiers_gin on profiles using gin (identifiers jsonb_path_ops);

-- One row per claimed unique-key value: the primary key is what makes "one person, one profile" race-free.
create table identity_keys (
    workspace_id text not null,
    key_name     text not null,
    key_value    text not null,
    profile_id   text not null,
    primary key (workspace_id, key_name, key_value)
);
create index identity_keys_profile on identity_keys (workspace_id, profile_id);

-- Ids of deleted profiles: an id is never handed out twice.
create table retired_profile_ids (
    workspace_id text        not null,
    id           text        not null,
    retired_at   timestamptz not null default now(),
    primary key (workspace_id, id)
);

-- RFC 7396 MergePatch(target, patch). Object patches merge key by key, null removes, anything else replaces.
create function jsonb_merge_patch(target jsonb, patch jsonb) returns jsonb
    language plpgsql immutable parallel safe as
$$
declare
    k      text;
    v      jsonb;
    result jsonb;
begin
    if patch is null or jsonb_typeof(patch) <> 'object' then
        return patch;
    end if;
    if target is null or jsonb_typeof(target) <> 'object' then
        result := '{}'::jsonb;
    else
        result := target;
    end if;
    for k, v in select * from jsonb_each(patch)
        loop
            if jsonb_typeof(v) = 'null' then
                result := result - k;
            else
                result := jsonb_set(result, array [k], jsonb_merge_patch(result -> k, v));
            end if;
        end loop;
    return result;
end
$$;

-- The smallest merge patch that turns old into new: what really changed, with null for removed keys.
create function jsonb_merge_diff(old jsonb, new jsonb) returns jsonb
    language plpgsql immutable parallel safe as
$$
declare
    k      text;
    v      jsonb;
    result jsonb := '{}'::jsonb;
begin
    for k, v in select * from jsonb_each(new)
        loop
            if not old ? k then
                result := result || jsonb_build_object(k, v);
            elsif old -> k = v then
                continue;
            elsif jsonb_typeof(v) = 'object' and jsonb_typeof(old -> k) = 'object' then
                result := result || jsonb_build_object(k, jsonb_merge_diff(old -> k, v));
            else
                result := result || jsonb_build_object(k, v);
            end if;
        end loop;
    for k in select jsonb_object_keys(old)
        loop
            if not new ? k then
                result := result || jsonb_build_object(k, 'null'::jsonb);
            end if;
        end loop;
    return result;
end
$$;
