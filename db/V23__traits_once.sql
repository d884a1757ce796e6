-- traitsOnce (issue 13): traits set only where the profile has no value yet, such as first-touch attribution
-- (signupSource). Recursive: an object fills the members missing at every depth; a member present with any value
-- (a scalar, an array, an object, even one of another type than the default) is never overwritten. The request
-- layer refuses null in defaults, so none reaches here. Called by the identify merge under the row lock, in the same
-- statement as the merge patch, so two concurrent first touches cannot both win.
create function jsonb_fill_missing(target jsonb, defaults jsonb) returns jsonb
    language plpgsql immutable parallel safe as
$$
declare
    d      record;
    result jsonb := coalesce(target, '{}'::jsonb);
begin
    if defaults is null then
        return target;
    end if;
    for d in select * from jsonb_each(defaults)
        loop
            if not result ? d.key then
                result := jsonb_set(result, array[d.key], d.value);
            elsif jsonb_typeof(result -> d.key) = 'object' and jsonb_typeof(d.value) = 'object' then
                result := jsonb_set(result, array[d.key], jsonb_fill_missing(result -> d.key, d.value));
            end if;
        end loop;
    return result;
end
$$;
