package io.profilehub.sync;

import io.profilehub.outbox.DeliveryMinutes;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.ProblemException;

import java.util.List;

/** Deliveries per minute of one destination in the caller's workspace (the console's charts). */
@Controller
public class DeliverySeriesController {
    private static final int MAX_MINUTES = (int) DeliveryMinutes.KEPT.toMinutes();

    private final DeliveryMinutes minutes;
    private final SyncService sync;

    public DeliverySeriesController(DeliveryMinutes minutes, SyncService sync) {
        this.minutes = minutes;
        this.sync = sync;
    }

    @Get("/sync/destinations/{name}/deliveries")
    @RequiresScope(Scope.ADMIN)
    public DeliverySeries series(Caller caller, @PathVariable String name, @Nullable @QueryValue String minutes) {
        int window = window(minutes);
        sync.destination(caller.workspaceId(), name);
        return new DeliverySeries(name, this.minutes.series(caller.workspaceId(), name, window).stream()
                .map(DeliverySeries.Minute::of).toList());
    }

    private static int window(String value) {
        if (value == null) {
            return 60;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= MAX_MINUTES) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ProblemException.badRequest("'minutes' must be a whole number from 1 to " + MAX_MINUTES
                + " (the figures are kept for " + MAX_MINUTES + " minutes).");
    }
}
