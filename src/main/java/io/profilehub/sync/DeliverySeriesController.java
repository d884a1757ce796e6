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
import io.profilehub.http.Timestamps;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    public Map<String, Object> series(Caller caller, @PathVariable String name, @Nullable @QueryValue String minutes) {
        int window = window(minutes);
        sync.destination(caller.workspaceId(), name);
        List<Map<String, Object>> rows = this.minutes.series(caller.workspaceId(), name, window).stream()
                .map(DeliverySeriesController::row).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("destination", name);
        body.put("minutes", rows);
        return body;
    }

    private static Map<String, Object> row(DeliveryMinutes.Minute m) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("minute", Timestamps.iso(m.minute()));
        row.put("delivered", m.delivered());
        row.put("retried", m.retried());
        row.put("dead", m.dead());
        row.put("lagAvgMs", m.lagAvgMs());
        row.put("lagMaxMs", m.lagMaxMs());
        return row;
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
