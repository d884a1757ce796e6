package io.profilehub.sync;

import io.profilehub.outbox.DestinationStateRepository;
import io.profilehub.http.Listing;
import io.profilehub.http.Page;
import io.profilehub.http.PageRequest;
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
    private final Listing listing;

    public SyncController(TransactionOperations<Connection> tx, SyncRepository repository,
                          DestinationStateRepository states, Destinations destinations, SyncService sync,
                          ProfileService profiles, Listing listing) {
        this.tx = tx;
        this.repository = repository;
        this.states = states;
        this.destinations = destinations;
        this.sync = sync;
        this.profiles = profiles;
        this.listing = listing;
    }

    @Get("/sync/destinations")
    @RequiresScope(Scope.ADMIN)
    public DestinationView.Listed list(Caller caller) {
        return new DestinationView.Listed(views(caller.workspaceId(), null));
    }

    @Post("/sync/destinations/{name}/pause")
    @RequiresScope(Scope.ADMIN)
    public DestinationView pause(Caller caller, @PathVariable String name) {
        sync.setPaused(caller.workspaceId(), name, true);
        return views(caller.workspaceId(), name).get(0);
    }

    @Post("/sync/destinations/{name}/resume")
    @RequiresScope(Scope.ADMIN)
    public DestinationView resume(Caller caller, @PathVariable String name) {
        sync.setPaused(caller.workspaceId(), name, false);
        return views(caller.workspaceId(), name).get(0);
    }

    @Post("/sync/destinations/{name}/backfill")
    @RequiresScope(Scope.ADMIN)
    public HttpResponse<BackfillView> backfill(Caller caller, @PathVariable String name) {
        BackfillJob job = sync.startBackfill(caller.workspaceId(), name);
        return HttpResponse.<BackfillView>status(HttpStatus.ACCEPTED)
                .header(HttpHeaders.LOCATION, "/sync/backfills/" + job.id()).body(BackfillView.of(job));
    }

    @Get("/sync/backfills/{id}")
    @RequiresScope(Scope.ADMIN)
    public BackfillView backfillStatus(Caller caller, @PathVariable String id) {
        if (!BACKFILL_ID.matcher(id).matches()) {
            // Checked before the query: an id with U+0000 would otherwise fail in PostgreSQL as a 500.
            throw ProblemException.badRequest("'" + shown(id) + "' is not a backfill id; ids have the form "
                    + BACKFILL_ID.pattern() + ".");
        }
        return BackfillView.of(sync.job(caller.workspaceId(), id));
    }

    @Get("/sync/dead-letters")
    @RequiresScope(Scope.ADMIN)
    public Page<DeadLetter> deadLetters(Caller caller, @Nullable @QueryValue String destination,
                                        @Nullable @QueryValue String status, @Nullable @QueryValue String since,
                                        @Nullable @QueryValue String until, @Nullable @QueryValue String userId,
                                        PageRequest paging) {
        SyncRepository.DeadLetterFilter filter = filter(destination, status, since, until);
        if (userId != null) {
            ProfileIds.require(userId);
        }
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("userId", userId);
        filters.put("destination", destination);
        filters.put("status", status);
        filters.put("since", since);
        filters.put("until", until);
        Listing.Request listing = this.listing.request(caller.workspaceId(), "/sync/dead-letters", filters, paging);
        // The key is as this listing issued it (the token is signed): a dead letter's id.
        long after = listing.after() == null ? 0 : Long.parseLong(listing.after());
        List<SyncRepository.EventView> rows = tx.executeRead(s -> repository.deadLetters(s.getConnection(),
                caller.workspaceId(), filter, userId, after, listing.limit() + 1));
        boolean mayReadProfiles = caller.has(Scope.PROFILES_READ);
        return listing.page(rows, e -> Long.toString(e.id()),
                e -> mayReadProfiles ? DeadLetter.of(e) : DeadLetter.of(e).withoutProfileData());
    }

    @Post("/sync/dead-letters/{id}/retry")
    @RequiresScope(Scope.ADMIN)
    public HttpResponse<RetryAnswer> retryOne(Caller caller, @PathVariable String id) {
        long eventId = eventId(id);
        int retried = sync.retryDead(caller.workspaceId(), eventId, new SyncRepository.DeadLetterFilter(null, null, null, null));
        if (retried == 0) {
            throw ProblemException.notFound("No dead letter with id " + id + " exists in this workspace.");
        }
        return HttpResponse.<RetryAnswer>status(HttpStatus.ACCEPTED).body(new RetryAnswer(retried));
    }

    @Post("/sync/destinations/{name}/dead-letters/retry")
    @RequiresScope(Scope.ADMIN)
    public HttpResponse<RetryAnswer> retryAll(Caller caller, @PathVariable String name,
                                            @Nullable @QueryValue String status,
                                            @Nullable @QueryValue String since,
                                            @Nullable @QueryValue String until) {
        SyncRepository.DeadLetterFilter filter = filter(name, status, since, until); // bad input first: a 400
        sync.destination(caller.workspaceId(), name);
        int retried = sync.retryDead(caller.workspaceId(), null, filter);
        return HttpResponse.<RetryAnswer>status(HttpStatus.ACCEPTED).body(new RetryAnswer(retried));
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
    public ProfileSync profileSync(Caller caller, @PathVariable String userId) {
        ProfileIds.require(userId);
        List<String> names = destinations.namesFor(caller.workspaceId());
        List<SyncRepository.EventView> latest = tx.executeRead(s -> repository.profileSync(s.getConnection(),
                caller.workspaceId(), userId, names));
        if (latest.isEmpty() && profiles.get(caller.workspaceId(), userId).isEmpty()) {
            throw ProblemException.notFound("No user with id " + userId + " exists in this workspace.");
        }
        Map<String, SyncRepository.EventView> byDestination = new LinkedHashMap<>();
        latest.forEach(e -> byDestination.put(e.destination(), e));
        List<ProfileSync.State> rows = new ArrayList<>();
        for (String name : names) {
            SyncRepository.EventView e = byDestination.remove(name);
            rows.add(e == null ? new ProfileSync.None(name) : ProfileSync.Event.of(e));
        }
        byDestination.values().forEach(e -> rows.add(ProfileSync.Event.of(e)));
        return new ProfileSync(userId, rows);
    }

    private List<DestinationView> views(String workspaceId, String only) {
        var counts = tx.executeRead(s -> repository.counts(s.getConnection(), workspaceId));
        var stateByName = tx.executeRead(s -> states.readAll(s.getConnection()));
        var errorByName = tx.executeRead(s -> states.lastErrors(s.getConnection(), workspaceId));
        List<DestinationView> views = new ArrayList<>();
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
            views.add(DestinationView.of(d, state, c, error));
        }
        if (only != null && views.isEmpty()) {
            throw ProblemException.notFound("No destination named '" + only + "' serves this workspace.");
        }
        return views;
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

    /*
     * Java parses years from -1,000,000,000 on; PostgreSQL's timestamptz and the driver do not take them all (a
     * far-past one answered 500). Four-digit years of the common era cover any dead letter.
     */
    static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    private static Instant time(String name, String value) {
        if (value == null) {
            return null;
        }
        Instant time;
        try {
            time = Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("'" + name + "' must be an ISO-8601 UTC time such as 2026-01-31T12:00:00Z.");
        }
        if (time.isBefore(EARLIEST) || time.isAfter(LATEST)) {
            throw ProblemException.badRequest("'" + name + "' must be between " + EARLIEST + " and " + LATEST
                    + ", not " + value + ".");
        }
        return time;
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
}
