package io.profilehub.outbox;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The retention purge of delivered events (each chunk commits on its own, so no test transaction around it). */
@MicronautTest(transactional = false)
class OutboxPurgeTest extends ServiceTest {
    @Inject
    OutboxEngine engine;

    @Test
    void deliveredEventsPastTheRetentionArePurgedInChunksAndNothingElse() {
        // More than two chunks of old deliveries, one recent delivery, and old events still owed to a vendor.
        Rows.count("""
                with added as (
                    insert into profilehub.outbox_events
                           (workspace_id, destination, profile_id, kind, status, created_at, finished_at)
                    select ?, 'hook', 'usr_purge' || lpad(n::text, 11, '0'), 'upsert',
                           case when n <= 25000 then 'delivered' when n = 25001 then 'delivered' else 'pending' end,
                           now() - interval '30 days',
                           case when n <= 25000 then now() - interval '8 days'
                                when n = 25001 then now() - interval '1 hour' end
                      from generate_series(1, 25003) n
                    returning 1)
                select count(*) from added
                """, workspace);

        engine.purgeDelivered();

        assertEquals(0, Rows.count("select count(*) from profilehub.outbox_events where workspace_id = ? "
                + "and status = 'delivered' and finished_at < now() - interval '7 days'", workspace));
        assertEquals(1, Rows.count("select count(*) from profilehub.outbox_events where workspace_id = ? "
                + "and status = 'delivered'", workspace), "a delivery within the retention stays");
        assertEquals(2, Rows.count("select count(*) from profilehub.outbox_events where workspace_id = ? "
                + "and status = 'pending'", workspace), "undelivered events are never purged");
    }
}
