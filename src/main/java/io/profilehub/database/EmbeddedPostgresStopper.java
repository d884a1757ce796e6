package io.profilehub.database;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.event.BeanDestroyedEvent;
import io.micronaut.context.event.BeanDestroyedEventListener;

import javax.sql.DataSource;

/**
 * Stops the embedded PostgreSQL (when this JVM started one) right after the application context closed the
 * connection pool, so shutdown goes in order: outbox workers release their claims, the pool closes, the database
 * stops last.
 */
@Context
public class EmbeddedPostgresStopper implements BeanDestroyedEventListener<DataSource> {

    public EmbeddedPostgresStopper() {
        EmbeddedPostgresLauncher.contextStarted();
    }

    @Override
    public void onDestroyed(BeanDestroyedEvent<DataSource> event) {
        EmbeddedPostgresLauncher.stop();
    }
}
