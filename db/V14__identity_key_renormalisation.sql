-- Unique-key values are normalised by an explicit rule since this version (README "Identity and normalisation"):
-- numbers by value (100, 1e2 and 100.0 are "100"), strings by NFKC with Unicode White_Space trimmed, email also
-- lower-cased. Key rows written under the old rule (trim(), Java lower case, numbers as written) are re-keyed so
-- the values they hold are found by the new rule. Nothing else changes: profiles keep their identifiers as sent.
--
-- When two rows now name one value, the row that already had the new form wins, then the oldest profile; the other
-- profile keeps the value as data but no longer claims it (merge the two by hand if they are one person). Key rows
-- whose value holds a control or format character are left as they are: the new rule refuses such values, so
-- they can no longer be written or matched. The statement can run again without effect.
do
$$
declare
    -- normalize() needs a UTF8 database; elsewhere only numbers are re-keyed.
    utf8 boolean := current_setting('server_encoding') = 'UTF8';
begin
    create temporary table v14_rekey on commit drop as
    select k.workspace_id, k.key_name, k.key_value as old_value, k.profile_id, p.created_at,
           jsonb_typeof(p.identifiers -> k.key_name) = 'number' as is_number,
           case
               when jsonb_typeof(p.identifiers -> k.key_name) = 'number'
                   then trim_scale((p.identifiers ->> k.key_name)::numeric)::text
               else k.key_value
               end as new_value
    from identity_keys k
             join profiles p on p.workspace_id = k.workspace_id and p.id = k.profile_id;

    if utf8 then
        update v14_rekey
        set new_value = regexp_replace(normalize(new_value, NFKC),
                                       '^[\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|'
                                           || '[\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$',
                                       '', 'g')
        where not is_number;
        -- The stored email keys are already lower case; only characters NFKC produced (fullwidth A) need it.
        update v14_rekey set new_value = lower(new_value) where key_name = 'email' and not is_number;
    end if;

    delete from v14_rekey where new_value = old_value;

    delete
    from identity_keys k
        using v14_rekey r
    where k.workspace_id = r.workspace_id
      and k.key_name = r.key_name
      and k.key_value = r.old_value;

    -- "0" and "-1" are on the default junk list: a number such as 0.0 no longer claims anything.
    insert into identity_keys (workspace_id, key_name, key_value, profile_id)
    select distinct on (workspace_id, key_name, new_value) workspace_id, key_name, new_value, profile_id
    from v14_rekey
    where new_value <> ''
      and not (is_number and new_value in ('0', '-1'))
    order by workspace_id, key_name, new_value, created_at, profile_id
    on conflict do nothing;
end
$$;
