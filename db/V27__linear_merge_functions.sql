-- The merge functions of V1 and V23 built their result one key at a time (jsonb_set, ||), and each step copies the
-- whole document built so far: quadratic in the number of keys. An update of 12,000 keys cost 11-16 s of database
-- CPU and one of 24,000 ran into the statement timeout (bench/README.md, "Merge patch cost"). Each level of an object
-- is now built once, by one jsonb_object_agg over the keys of both sides, so a call costs time linear in the keys it
-- reads (plus PostgreSQL's sort of the new object's keys). Nested objects recurse as before; a scalar or an array
-- value never calls the function again.
--
-- Each function first makes its jsonb arguments plain values in memory (x || '{}' detoasts once and returns the
-- detoasted copy). An argument read from a table, or from the row an UPDATE ... RETURNING just wrote, is a TOAST
-- pointer, and every ? or -> on it in the query below would fetch and decompress the whole document again: the diff of
-- a 24,000-key profile's update ran for more than 30 s that way.
--
-- Same signatures and argument names (CREATE OR REPLACE keeps the functions' callers and grants) and the same results,
-- key for key: MergePropertiesTest holds jsonb_merge_patch to an independent RFC 7396 model, TraitsOnceTest
-- jsonb_fill_missing, and the diff is checked against the patch it must reproduce.

-- RFC 7396 MergePatch(target, patch). Object patches merge key by key, null removes, anything else replaces.
-- The patch's members are merged in one aggregate and laid over the target with ||, one copy of it; the keys to
-- remove go by jsonb - text[] when they are few (it scans the list for each key of the target) and otherwise by
-- rebuilding the target without the patch's keys, one pass.
create or replace function jsonb_merge_patch(target jsonb, patch jsonb) returns jsonb
    language plpgsql immutable parallel safe as
$$
declare
    upserts  jsonb;
    removals text[];
begin
    if patch is null or jsonb_typeof(patch) <> 'object' then
        return patch;
    end if;
    if target is null or jsonb_typeof(target) <> 'object' then
        target := '{}'::jsonb;
    end if;
    target := target || '{}'::jsonb;
    patch := patch || '{}'::jsonb;
    select jsonb_object_agg(p.key,
                            case when jsonb_typeof(p.value) = 'object' then jsonb_merge_patch(target -> p.key, p.value)
                                 else p.value end) filter (where jsonb_typeof(p.value) <> 'null'),
           array_agg(p.key) filter (where jsonb_typeof(p.value) = 'null')
      into upserts, removals
      from jsonb_each(patch) p;
    if removals is null then
        null;
    elsif cardinality(removals) <= 16 then
        target := target - removals;
    else
        target := (select coalesce(jsonb_object_agg(t.key, t.value), '{}'::jsonb)
                     from jsonb_each(target) t
                    where not patch ? t.key);
    end if;
    return target || coalesce(upserts, '{}'::jsonb);
end
$$;

-- The smallest merge patch that turns old into new: what really changed, with null for removed keys.
create or replace function jsonb_merge_diff(old jsonb, new jsonb) returns jsonb
    language plpgsql immutable parallel safe as
$$
begin
    old := coalesce(old, '{}'::jsonb) || '{}'::jsonb;
    new := new || '{}'::jsonb;
    return (select coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb)
              from (select n.key,
                           case when jsonb_typeof(n.value) = 'object' and jsonb_typeof(old -> n.key) = 'object'
                                then jsonb_merge_diff(old -> n.key, n.value)
                                else n.value end as value
                      from jsonb_each(new) n
                     where not old ? n.key or old -> n.key <> n.value
                    union all
                    select o.key, 'null'::jsonb
                      from jsonb_each(old) o
                     where not new ? o.key) d);
end
$$;

-- traitsOnce (V23): fill what the target has no value for, recursively into objects present on both sides; a member
-- present with any value is never overwritten. The filled members are built in one aggregate over the defaults and
-- laid over the target with ||.
create or replace function jsonb_fill_missing(target jsonb, defaults jsonb) returns jsonb
    language plpgsql immutable parallel safe as
$$
declare
    filled jsonb;
begin
    if defaults is null then
        return target;
    end if;
    target := coalesce(target, '{}'::jsonb) || '{}'::jsonb;
    defaults := defaults || '{}'::jsonb;
    select jsonb_object_agg(d.key,
                            case when not target ? d.key then d.value
                                 else jsonb_fill_missing(target -> d.key, d.value) end)
      into filled
      from jsonb_each(defaults) d
     where not target ? d.key
        or (jsonb_typeof(target -> d.key) = 'object' and jsonb_typeof(d.value) = 'object');
    return target || coalesce(filled, '{}'::jsonb);
end
$$;

-- profilehub.limits.max-profile-leaves (profile/ProfileLimits): the leaves of a document, i.e. the values at any depth
-- below the top that are not non-empty objects or arrays (scalars, nulls inside arrays, empty objects and arrays,
-- each element of an array). The filter runs inside jsonpath, so only the leaves are copied out: ~40 ms for 24,000
-- where a row per item of $.** took ~300 ms.
create function jsonb_leaf_count(doc jsonb) returns bigint
    language sql immutable parallel safe as
$$
select jsonb_array_length(jsonb_path_query_array(doc,
    'strict $.*.** ? (@.type() != "object" && @.type() != "array"
                      || @.type() == "object" && !exists(@.*)
                      || @.type() == "array" && !exists(@[*]))'))
$$;
