-- Deliveries per workspace, destination and minute, for the console's charts. Every instance adds to the same rows
-- (one upsert per settled claim, not per event), so the series is the service's, not one process's. Rows older than
-- a few hours are pruned (DeliveryMinutes).
create table delivery_minutes (
    workspace_id text        not null,
    destination  text        not null,
    minute       timestamptz not null,
    delivered    bigint      not null default 0, -- events accepted by the vendor
    retried      bigint      not null default 0, -- events whose attempt failed and will be retried
    dead         bigint      not null default 0, -- events dead-lettered
    lag_ms_sum   bigint      not null default 0, -- queued-to-accepted time, summed over the delivered events
    lag_ms_max   bigint      not null default 0,
    primary key (workspace_id, destination, minute)
);

create index delivery_minutes_minute on delivery_minutes (minute);
