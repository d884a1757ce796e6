-- Deliveries per workspace, destination and minute, for the console's charts, shared by every instance: a settled
-- claim adds its counts with one upsert (not one per event). Each delivery worker has rows of its own (writer), so
-- workers never wait on each other's row lock inside their settle transaction; readers sum the writers. Rows older
-- than two hours are pruned (DeliveryMinutes).
create table delivery_minutes (
    workspace_id text        not null,
    destination  text        not null,
    minute       timestamptz not null,
    writer       text        not null, -- the delivery worker (instance:destination:slot)
    delivered    bigint      not null default 0, -- events accepted by the vendor
    retried      bigint      not null default 0, -- events whose attempt failed and will be retried
    dead         bigint      not null default 0, -- events dead-lettered
    lag_ms_sum   bigint      not null default 0, -- queued-to-accepted time, summed over the delivered events
    lag_ms_max   bigint      not null default 0,
    primary key (workspace_id, destination, minute, writer)
);

create index delivery_minutes_minute on delivery_minutes (minute);
