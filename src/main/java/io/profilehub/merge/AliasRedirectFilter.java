package io.profilehub.merge;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.web.router.RouteAttributes;
import io.profilehub.auth.Caller;
import io.profilehub.auth.Scope;
import io.profilehub.http.Problems;

import java.sql.Connection;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ids absorbed in merges keep working: a request whose path names one answers 308 with the same request's
 * {@code Location} at the survivor, whatever the method and endpoint. It rewrites the 404 an endpoint answers for
 * an id that names no profile, so the lookup costs a query only then, and every endpoint under /identify/{id} and
 * /track/{id}, present or future, is covered without knowing about merges.
 *
 * <p>Endpoints that answer something other than 404 for an absorbed id are handled first: GET /identify/{id}/sync
 * shows the sync state of any id with changes in the log, the absorbed one's too, so for that path an answer
 * of 2xx is looked up as well (an operator's endpoint: one more query per call).
 *
 * <p>The redirect names the survivor, which is profile data: it is given only to a key that may read profiles
 * (profiles:read), and only for a path a route serves. Any other caller, and any unknown path under an absorbed id,
 * gets the answer an id that names no profile gets (404), so the alias tells nothing a key could not read anyway.
 */
@ServerFilter({"/identify/**", "/track/**"})
public class AliasRedirectFilter {
    private static final Pattern PATH = Pattern.compile("^/(identify|track)/(usr_[A-Za-z0-9]{16})(/[^?]*)?$");

    private final TransactionOperations<Connection> tx;
    private final MergeRepository repository;

    public AliasRedirectFilter(TransactionOperations<Connection> tx, MergeRepository repository) {
        this.tx = tx;
        this.repository = repository;
    }

    @ResponseFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    public void redirect(HttpRequest<?> request, MutableHttpResponse<?> response) {
        boolean notFound = response.status() == HttpStatus.NOT_FOUND;
        boolean syncState = isSync(request) && response.status().getCode() < 300;
        if (!notFound && !syncState) {
            return;
        }
        Matcher m = PATH.matcher(request.getPath());
        Optional<Caller> caller = request.getAttribute(Caller.ATTRIBUTE, Caller.class);
        if (!m.matches() || caller.isEmpty() || !caller.get().has(Scope.PROFILES_READ)
                || RouteAttributes.getRouteMatch(request).isEmpty()) {
            return;
        }
        String id = m.group(2);
        Optional<MergeRepository.Alias> alias = tx.executeRead(s ->
                repository.alias(s.getConnection(), caller.get().workspaceId(), id));
        if (alias.isEmpty()) {
            return;
        }
        String survivor = alias.get().profileId();
        String rest = m.group(3) == null ? "" : m.group(3);
        String query = request.getUri().getRawQuery();
        String location = "/" + m.group(1) + "/" + survivor + rest + (query == null ? "" : "?" + query);
        Map<String, Object> body = Problems.body(HttpStatus.PERMANENT_REDIRECT, "profile-merged",
                id + " was merged into " + survivor + " by " + alias.get().mergeId() + "; repeat the request at "
                        + location + ".", Map.of("profileId", survivor, "mergeId", alias.get().mergeId()));
        ((MutableHttpResponse<Object>) response).status(HttpStatus.PERMANENT_REDIRECT).body(body)
                .contentType(Problems.MEDIA_TYPE);
        response.getHeaders().set(HttpHeaders.LOCATION, location);
        response.getHeaders().remove(HttpHeaders.ETAG);
    }

    private static boolean isSync(HttpRequest<?> request) {
        return request.getPath().endsWith("/sync");
    }
}
