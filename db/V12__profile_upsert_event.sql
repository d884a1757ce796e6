-- The one shape of an upsert event, built where the change happens (single writes, batches, backfill and the
-- retry of a dead upsert): created = a whole new profile, full_state = the whole current profile.
create function profile_upsert_event(workspace_id text, profile_id text, version bigint, created boolean,
                                     full_state boolean, occurred_at timestamptz, identifiers jsonb, traits jsonb)
    returns jsonb
    language sql stable parallel safe as
$$
select jsonb_build_object('type', 'profile.upsert', 'profileId', profile_id, 'workspaceId', workspace_id,
                          'version', version, 'created', created, 'occurredAt', occurred_at,
                          'identifiers', identifiers, 'traits', traits)
       || case when full_state then '{"full": true}'::jsonb else '{}'::jsonb end
$$;
