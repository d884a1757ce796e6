package io.profilehub.history;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.Listing;
import io.profilehub.http.Page;
import io.profilehub.http.PageRequest;
import io.profilehub.http.ProblemException;
import io.profilehub.ids.ProfileIds;
import io.profilehub.profile.ProfileService;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** GET /identify/{id}/history: who changed which field of a profile, when, from what, to what. */
@Controller
public class HistoryController {
    private static final int MAX_FIELD = 1000;
    private static final Pattern POSITION = Pattern.compile("([0-9]{1,18}):(.+)", Pattern.DOTALL);

    private final HistoryService history;
    private final ProfileService profiles;
    private final Listing listing;

    public HistoryController(HistoryService history, ProfileService profiles, Listing listing) {
        this.history = history;
        this.profiles = profiles;
        this.listing = listing;
    }

    @Get("/identify/{userId}/history")
    @RequiresScope(Scope.PROFILES_READ)
    public Page<HistoryEntry> history(Caller caller, @PathVariable String userId,
                                              @Nullable @QueryValue String field, @Nullable @QueryValue String since,
                                              @Nullable @QueryValue String until, PageRequest paging) {
        ProfileIds.require(userId);
        String path = field(field);
        Instant from = time("since", since);
        Instant to = time("until", until);
        if (from != null && to != null && from.isAfter(to)) {
            throw ProblemException.badRequest("'since' (" + since + ") is after 'until' (" + until + ").");
        }
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("field", field);
        filters.put("since", since);
        filters.put("until", until);
        Listing.Request request = listing.request(caller.workspaceId(), "/identify/" + userId + "/history", filters,
                paging);
        HistoryService.Position before = null;
        if (request.after() != null) {
            var matcher = POSITION.matcher(request.after());
            if (!matcher.matches()) {
                throw ProblemException.badRequest("'pageToken' is malformed; use the nextPageToken of a previous answer.");
            }
            before = new HistoryService.Position(Long.parseLong(matcher.group(1)), matcher.group(2));
        }
        if (profiles.get(caller.workspaceId(), userId).isEmpty()) {
            throw ProblemException.notFound("No user with id " + userId + " exists in this workspace.");
        }
        List<HistoryService.Positioned> rows = history.entries(caller.workspaceId(), userId,
                new HistoryService.Filter(path, from, to, before), request.limit() + 1);
        return request.page(rows, row -> row.position().seq() + ":" + row.position().field(),
                HistoryService.Positioned::entry);
    }

    private static String field(String field) {
        if (field == null) {
            return null;
        }
        if (field.length() > MAX_FIELD || field.indexOf('\u0000') >= 0) {
            throw ProblemException.badRequest("'field' must be a dot path of at most " + MAX_FIELD
                    + " characters without U+0000, such as traits.plan.");
        }
        if (!(field.equals("identifiers") || field.equals("traits") || field.startsWith("identifiers.")
                || field.startsWith("traits.")) || field.endsWith(".") || field.contains("..")) {
            throw ProblemException.badRequest("'field' must be a dot path under identifiers or traits, such as "
                    + "traits.plan or identifiers.name.last, not '" + shown(field) + "'.");
        }
        return field;
    }

    private static Instant time(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("'" + name + "' must be an ISO-8601 UTC time such as "
                    + "2026-01-31T12:00:00Z, not '" + shown(value) + "'.");
        }
    }

    private static String shown(String value) {
        String clean = value.replace('\u0000', '?');
        return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
    }
}
