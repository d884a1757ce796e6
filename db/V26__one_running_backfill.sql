-- One running backfill per destination and workspace: a second would enqueue every profile again beside the first
-- (ten in parallel were accepted). A unique index on the running ones makes the check race-free between instances.
--
-- progress_at: when the job last finished a page. A job whose instance stopped stays "running" with no progress;
-- starting a backfill ends such a job (SyncService) instead of waiting for it for ever.
alter table backfill_jobs add column progress_at timestamptz not null default now();

-- Of the jobs running now, the newest of each destination and workspace keeps running; the others are ended, named.
update backfill_jobs j
   set status = 'failed', finished_at = now(),
       error = 'ended by V26: one backfill runs per destination and workspace; the newest one kept running'
 where j.status = 'running'
   and exists (select 1 from backfill_jobs k
                where k.workspace_id = j.workspace_id and k.destination = j.destination and k.status = 'running'
                  and (k.started_at, k.id) > (j.started_at, j.id));

create unique index backfill_jobs_one_running on backfill_jobs (workspace_id, destination) where status = 'running';
