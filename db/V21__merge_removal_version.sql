-- The version the absorbed profile's removal carried in the change log (its last version + 1): GET /merges/{id}
-- finds the removal's delivery by it once the kept state is gone, and undo re-creates the absorbed id one past it,
-- so its lane's versions keep rising at the vendors.
alter table merges add column removal_version bigint;
