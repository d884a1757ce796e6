-- A destination may serve several workspaces. What one workspace sees of it must hold nothing of another's data, so
-- the last failure is kept per workspace, and only as a category sentence ("HTTP 500 from the vendor; retrying"):
-- the vendor's own answer, which may echo a profile, stays on the event row, where erasure scrubs it.
create table destination_workspace_state (
    destination   text        not null,
    workspace_id  text        not null,
    last_error    text        not null,
    last_error_at timestamptz not null,
    primary key (destination, workspace_id)
);

-- The shared row held vendor answers (last_error, and the reason of a pause on refused credentials), which could
-- echo any workspace's profiles: drop them. A pause keeps its cause without the vendor's words.
update destination_state set last_error = null, last_error_at = null;
update destination_state
   set paused_reason = regexp_replace(paused_reason, '^credentials refused \(HTTP ([0-9]+)\).*$',
                                      'credentials refused (HTTP \1); fix the token and resume the destination')
 where paused_reason like 'credentials refused (HTTP %';
