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
