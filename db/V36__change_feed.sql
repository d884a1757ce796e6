-- The pull feed (GET /changes) reads one workspace's changes in the order they became visible, lane by lane.
--
-- Its cursor is a vector: for each of the 64 lanes, the id of the last change of that lane the reader was given.
-- Why per lane and not one number: change_log.id is taken when a change is numbered, not when it commits, so a
-- transaction that numbered a change first can commit last (db/V18). A single "everything after id N" would skip it
-- once a reader had seen a later id of another lane. Within one lane that cannot happen: a change's id, like its
-- seq, is taken under the lane's row lock (ChangeLogWriter's insert needs the lane's bumped counter, so the id
-- default runs after the lock is held), and the lock is held until commit. So a lane's ids grow in commit order,
-- and when a reader sees a change of a lane, every change of that lane with a smaller id committed no later and is
-- visible to the same snapshot. A reader that takes, per lane, only changes after its position, in id order, and
-- always a prefix of each lane, therefore never skips one and never gets one twice.
--
-- This index serves that read: one ordered range per lane (id > position) for the workspace, so the 64 ranges can be
-- merged in id order and stopped after `limit` rows, however far behind the reader is. Partial: only changes for
-- every destination are the workspace's changes; per-destination copies (backfills, retries, erasure events that
-- carry a vendor's locator) are not in the feed and cost no entry here.
-- Built in the migration's transaction: writers of the log wait for it, so a large log takes a maintenance window.
set local statement_timeout = 0;
create index change_log_feed on change_log (workspace_id, lane, id) where destination is null;
