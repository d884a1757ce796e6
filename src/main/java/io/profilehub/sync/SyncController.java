package io.profilehub.sync;

import io.profilehub.outbox.DestinationStateRepository;
import io.profilehub.http.Pages;
import io.profilehub.http.Timestamps;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.destination.DestinationSettings;
import io.profilehub.destination.Destinations;
import io.profilehub.http.ProblemException;
import io.profilehub.ids.ProfileIds;
import io.profilehub.profile.ProfileService;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Operating the outbox: destination status, pause and resume, dead letters, backfill, per-profile sync state. */
@Controller
public class SyncController {
    private static final Pattern BACKFILL_ID = Pattern.compile("bf_[A-Za-z0-9]{16}");

    private final TransactionOperations<Connection> tx;
    private final SyncRepository repository;
    private final DestinationStateRepository states;
    private final Destinations destinations;
    private final SyncService sync;
    private final ProfileService profiles;

    public SyncController(TransactionOperations<Connection> tx, SyncRepository repository,
                          DestinationStateRepository states, Destinations destinations, SyncService sync,
                          ProfileService profiles) {
        this.tx = tx;
        this.repository = repository;
        this.states = states;
        this.destinations = destinations;
        this.sync = sync;
        this.profiles = profiles;
    }

    @Get("/sync/destinations")
    @RequiresScope(Scope.ADMIN)
    public Map<String, Object> list(Caller caller) {
        return Map.of("data", views(caller.workspaceId(), null));
    }

    @Post("/sync/destinations/{name}/pause")
    @RequiresScope(Scope.ADMIN)
    public Map<String, Object> pause(Caller caller, @PathVariable String name) {
        sync.setPaused(caller.workspaceId(), name, true);
        return views(caller.workspaceId(), name).get(0);
    }

    @Post("/sync/destinations/{name}/resume")
    @RequiresScope(Scope.ADMIN)
    public Map<String, Object> resume(Caller caller, @PathVariable String name) {
        sync.setPaused(caller.workspaceId(), name, false);
        return views(caller.workspaceId(), name).get(0);
    }

    @Post("/sync/destinations/{name}/backfill")
    @RequiresScope(Scope.ADMIN)
    public HttpResponse<Map<String, Object>> backfill(Caller caller, @PathVariable String name) {
        BackfillJob job = sync.startBackfill(caller.workspaceId(), name);
        return HttpResponse.<Map<String, Object>>status(HttpStatus.ACCEPTED)
                .header(HttpHeaders.LOCATION, "/sync/backfills/" + job.id()).body(view(job));
    }

    @Get("/sync/backfills/{id}")
    @RequiresScope(Scope.ADMIN)
    public Map<String, Object> backfillStatus(Caller caller, @PathVariable String id) {
        if (!BACKFILL_ID.matcher(id).matches()) {
            // Checked before the query: an id with U+0000 would otherwise fail in PostgreSQL as a 500.
            throw ProblemException.badRequest("'" + shown(id) + "' is not a backfill id; ids have the form "
                    + BACKFILL_ID.pattern() + ".");
        }
        return view(sync.job(caller.workspaceId(), id));
    }

    @Get("/sync/dead-letters")
    @RequiresScope(Scope.ADMIN)
    public Map<String, Object> deadLetters(Caller caller, @Nullable @QueryValue String destination,
                                           @Nullable @QueryValue String status, @Nullable @QueryValue String since,
                                           @Nullable @QueryValue String until, @Nullable @QueryValue String limit,
                                           @Nullable @QueryValue String pageToken) {
        SyncRepository.DeadLetterFilter filter = filter(destination, status, since, until);
        int size = Pages.limit(limit, 50, 100);
        String afterKey = Pages.after(pageToken, key -> key.matches("[0-9]{1,18}"));
        long after = afterKey == null ? 0 : Long.parseLong(afterKey);
        List<SyncRepository.EventView> rows = tx.executeRead(s -> repository.deadLetters(s.getConnection(),
                caller.workspaceId(), filter, after, size + 1));
        boolean more = rows.size() > size;
        List<SyncRepository.EventView> page = more ? rows.subList(0, size) : rows;
        Map<String, String> query = new LinkedHashMap<>();
        query.put("destination", destination);
        query.put("status", status);
        query.put("since", since);
        query.put("until", until);
        return Pages.page(page.stream().map(SyncController::deadLetter).toList(), size, "/sync/dead-letters", query,
                pageToken, more ? Pages.token(Long.toString(page.get(page.size() - 1).id())) : null);
    }

    @Post("/sync/dead-letters/{id}/retry")
    @RequiresScope(Scope.ADMIN)
    public HttpResponse<Map<String, Object>> retryOne(Caller caller, @PathVariable String id) {
        long eventId = eventId(id);
        int retried = sync.retryDead(caller.workspaceId(), eventId, new SyncRepository.DeadLetterFilter(null, null, null, null));
        if (retried == 0) {
            throw ProblemException.notFound("No dead letter with id " + id + " exists in this workspace.");
        }
        return HttpResponse.<Map<String, Object>>status(HttpStatus.ACCEPTED).body(Map.of("retried", retried));
    }

    @Post("/sync/destinations/{name}/dead-letters/retry")
    @RequiresScope(Scope.ADMIN)
    public HttpResponse<Map<String, Object>> retryAll(Caller caller, @PathVariable String name,
                                                      @Nullable @QueryValue String status,
                                                      @Nullable @QueryValue String since,
                                                      @Nullable @QueryValue String until) {
        sync.destination(caller.workspaceId(), name);
        int retried = sync.retryDead(caller.workspaceId(), null, filter(name, status, since, until));
        return HttpResponse.<Map<String, Object>>status(HttpStatus.ACCEPTED).body(Map.of("retried", retried));
    }

    @Delete("/sync/dead-letters/{id}")
    @RequiresScope(Scope.ADMIN)
    public HttpResponse<?> discard(Caller caller, @PathVariable String id) {
        long eventId = eventId(id);
        if (!tx.executeWrite(s -> repository.deleteDead(s.getConnection(), caller.workspaceId(), eventId))) {
            throw ProblemException.notFound("No dead letter with id " + id + " exists in this workspace.");
        }
        return HttpResponse.noContent();
    }

    @Get("/identify/{userId}/sync")
    @RequiresScope(Scope.PROFILES_READ)
    public Map<String, Object> profileSync(Caller caller, @PathVariable String userId) {
        ProfileIds.require(userId);
        List<String> names = destinations.namesFor(caller.workspaceId());
        List<SyncRepository.EventView> latest = tx.executeRead(s -> repository.profileSync(s.getConnection(),
                caller.workspaceId(), userId, names));
        if (latest.isEmpty() && profiles.get(caller.workspaceId(), userId).isEmpty()) {
            throw ProblemException.notFound("No user with id " + userId + " exists in this workspace.");
        }
        Map<String, SyncRepository.EventView> byDestination = new LinkedHashMap<>();
        latest.forEach(e -> byDestination.put(e.destination(), e));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String name : names) {
            SyncRepository.EventView e = byDestination.remove(name);
            rows.add(e == null ? Map.of("name", name, "status", "none") : syncRow(e));
        }
        byDestination.values().forEach(e -> rows.add(syncRow(e)));
        return Map.of("userId", userId, "destinations", rows);
    }

    private List<Map<String, Object>> views(String workspaceId, String only) {
        var counts = tx.executeRead(s -> repository.counts(s.getConnection(), workspaceId));
        var stateByName = tx.executeRead(s -> states.readAll(s.getConnection()));
        var errorByName = tx.executeRead(s -> states.lastErrors(s.getConnection(), workspaceId));
        List<Map<String, Object>> views = new ArrayList<>();
        for (DestinationSettings d : destinations.all()) {
            if (!d.workspaces().isEmpty() && !d.workspaces().contains(workspaceId)) {
                continue;
            }
            if (only != null && !only.equals(d.name())) {
                continue;
            }
            SyncRepository.DestinationCounts c = counts.getOrDefault(d.name(), SyncRepository.DestinationCounts.EMPTY);
            DestinationStateRepository.State state = stateByName.getOrDefault(d.name(), DestinationStateRepository.State.NONE);
            DestinationStateRepository.LastError error = errorByName.getOrDefault(d.name(),
                    DestinationStateRepository.LastError.NONE);
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", d.name());
            view.put("type", d.type());
            view.put("url", d.url().toString());
            view.put("enabled", d.enabled());
            view.put("concurrency", d.concurrency());
            view.put("rateLimit", d.rateLimit());
            view.put("paused", state.paused());
            view.put("pausedReason", state.pausedReason());
            view.put("pausedAt", iso(state.pausedAt()));
            view.put("pending", c.pending());
            view.put("inFlight", c.inFlight());
            view.put("dead", c.dead());
            view.put("deliveredLastHour", c.deliveredLastHour());
            view.put("oldestPendingAgeSeconds", c.oldestPending() == null ? null
                    : Duration.between(c.oldestPending(), Instant.now()).toMillis() / 1000.0);
            view.put("lastError", error.error());
            view.put("lastErrorAt", iso(error.at()));
            views.add(view);
        }
        if (only != null && views.isEmpty()) {
            throw ProblemException.notFound("No destination named '" + only + "' serves this workspace.");
        }
        return views;
    }

    private static Map<String, Object> deadLetter(SyncRepository.EventView e) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", e.id());
        view.put("destination", e.destination());
        view.put("userId", e.profileId());
        view.put("kind", e.kind());
        view.put("attempts", e.attempts());
        view.put("lastStatus", e.lastStatus());
        view.put("lastError", e.lastError());
        view.put("createdAt", iso(e.createdAt()));
        view.put("deadAt", iso(e.finishedAt()));
        view.put("event", Timestamps.event(e.event()));
        return view;
    }

    private static Map<String, Object> syncRow(SyncRepository.EventView e) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", e.destination());
        row.put("status", e.status().equals("in_flight") ? "pending" : e.status());
        row.put("eventId", e.id());
        row.put("version", e.event().path("version").isMissingNode() ? null : e.event().get("version").asLong());
        row.put("kind", e.kind());
        row.put("attempts", e.attempts());
        row.put("queuedAt", iso(e.createdAt()));
        row.put("finishedAt", iso(e.finishedAt()));
        row.put("nextAttemptAt", e.status().equals("pending") ? iso(e.availableAt()) : null);
        row.put("lastStatus", e.lastStatus());
        row.put("lastError", e.lastError());
        return row;
    }

    private static Map<String, Object> view(BackfillJob job) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", job.id());
        view.put("destination", job.destination());
        view.put("status", job.status().value());
        view.put("enqueued", job.enqueued());
        view.put("error", job.error());
        view.put("startedAt", iso(job.startedAt()));
        view.put("finishedAt", iso(job.finishedAt()));
        return view;
    }

    private static SyncRepository.DeadLetterFilter filter(String destination, String status, String since, String until) {
        if (destination != null && destination.indexOf('\u0000') >= 0) {
            throw ProblemException.badRequest("'destination' contains the character U+0000, which no destination name has.");
        }
        Integer httpStatus = null;
        if (status != null) {
            try {
                httpStatus = Integer.parseInt(status);
            } catch (NumberFormatException e) {
                throw ProblemException.badRequest("'status' must be an HTTP status code such as 400, not '" + status + "'.");
            }
        }
        return new SyncRepository.DeadLetterFilter(destination, httpStatus, time("since", since), time("until", until));
    }

    private static Instant time(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("'" + name + "' must be an ISO-8601 UTC time such as 2026-01-31T12:00:00Z.");
        }
    }

    private static long eventId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("'" + id + "' is not a dead-letter id; ids are whole numbers.");
        }
    }

    private static String shown(String value) {
        String clean = value.replace('\u0000', '?');
        return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
    }

    private static String iso(Instant instant) {
        return Timestamps.iso(instant);
    }
}
