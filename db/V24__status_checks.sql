-- Statuses held as text get the set of words the code writes, as change_log.kind, change_log.cause,
-- idempotency_keys.state and merges.status already have. Each word has its Java enum, which maps it in one place:
--   backfill_jobs.status         sync/BackfillStatus
--   erasures.status              erasure/ErasureStatus
--   erasure_destinations.status  erasure/ErasureDestinationStatus (pending until settled, then the connector's
--                                result word or dead)
--   change_log.kind, dead_letters.kind (V18)  destination/ChangeKind
-- CHECK constraints rather than PostgreSQL enum types: a new word is a constraint swap in one migration, where
-- ALTER TYPE ... ADD VALUE cannot be used in the transaction that adds it; and the words stay plain text for the
-- hand-written SQL that compares them.
--
-- Plain ADD CONSTRAINT, validated at once: Flyway runs the migration in one transaction, so NOT VALID followed by
-- VALIDATE CONSTRAINT would hold the ADD's exclusive lock through the scan anyway. The tables are small (a row per
-- backfill, per erasure, per erasure and destination), and every row written so far holds one of these words
-- (StatusChecksMigrationTest migrates a database holding each of them).
alter table backfill_jobs
    add constraint backfill_jobs_status_check check (status in ('running', 'completed', 'failed'));

alter table erasures
    add constraint erasures_status_check check (status in ('in_progress', 'completed'));

alter table erasure_destinations
    add constraint erasure_destinations_status_check
        check (status in ('pending', 'erased', 'scrubbed', 'unsupported', 'dead'));
