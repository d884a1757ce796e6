package io.profilehub.auth;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.management.endpoint.annotation.Endpoint;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.web.router.RouteMatch;
import io.micronaut.web.router.RouteAttributes;
import io.profilehub.console.ConsolePaths;
import io.profilehub.http.ProblemException;
import jakarta.inject.Named;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Bearer API keys on every endpoint but health, the management port's, and the static pages of the console and API
 * reference. Routes name their scope with {@link RequiresScope}; anything without one needs {@code admin}. Missing
 * or unknown key: 401; missing scope: 403.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class ApiKeyAuthFilter {
    private final ApiKeys apiKeys;
    private final RateLimits rateLimits;
    private final ExecutorService blocking;

    public ApiKeyAuthFilter(ApiKeys apiKeys, RateLimits rateLimits,
                            @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
        this.apiKeys = apiKeys;
        this.rateLimits = rateLimits;
        this.blocking = blocking;
    }

    /*
     * Runs on the event loop: a key in the cache (nearly every request) is checked there, and only a key read from
     * the database moves to the blocking executor. Marking the whole filter @ExecuteOn(BLOCKING) cost every request
     * a thread hop of its own before the route's (measured: bench/README.md, "CPU per request"). The future gives
     * the request back to go on, or fails with the refusal (answered by ProblemExceptionHandler): Micronaut drops a
     * null that completes a future later, so "go on" cannot be null here.
     */
    @RequestFilter
    public CompletableFuture<HttpRequest<?>> authenticate(HttpRequest<?> request) {
        String path = request.getPath();
        if (path.equals("/health") || path.startsWith("/health/") || ConsolePaths.isPublicPage(path)
                || isManagementEndpoint(request) || isStandInForMalformedUri(request)) {
            return CompletableFuture.completedFuture(request);
        }
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            return CompletableFuture.failedFuture(unauthorized("Send an API key as 'Authorization: Bearer <key>'."));
        }
        String secret = header.substring(7).trim();
        Optional<Caller> cached = apiKeys.cached(secret);
        if (cached != null) {
            return admit(request, cached);
        }
        return CompletableFuture.supplyAsync(() -> apiKeys.lookUp(secret), blocking)
                .thenCompose(caller -> admit(request, caller));
    }

    private CompletableFuture<HttpRequest<?>> admit(HttpRequest<?> request, Optional<Caller> caller) {
        if (caller.isEmpty()) {
            return CompletableFuture.failedFuture(unauthorized("The API key is unknown or has been revoked."));
        }
        // Unknown paths fall through to the framework's 404; known ones without a declared scope need admin.
        Scope needed = RouteAttributes.getRouteMatch(request)
                .map(match -> ((RouteMatch<?>) match).getAnnotationMetadata()
                        .enumValue(RequiresScope.class, Scope.class).orElse(Scope.ADMIN))
                .orElse(null);
        if (needed != null && !caller.get().has(needed)) {
            return CompletableFuture.failedFuture(new ProblemException(HttpStatus.FORBIDDEN, "forbidden",
                    "This API key lacks the '" + needed.value() + "' scope this endpoint needs."));
        }
        Long wait = rateLimits.check(caller.get().keyId());
        if (wait != null) {
            return CompletableFuture.failedFuture(new ProblemException(HttpStatus.TOO_MANY_REQUESTS,
                    "too-many-requests", "This API key sent more requests than its limit allows; retry in " + wait
                    + " s.", Map.of(), Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(wait))));
        }
        request.setAttribute(Caller.ATTRIBUTE, caller.get());
        return CompletableFuture.completedFuture(request);
    }

    /**
     * When a request line's URI does not parse, Micronaut answers the error through a stand-in request for "/" with
     * no headers at all, so the real Authorization header is not there to check. No route serves "/", so letting it
     * through can only reach the error handler (400 for the malformed URI) or the 404 of an unknown path.
     */
    private static boolean isStandInForMalformedUri(HttpRequest<?> request) {
        return request.getPath().equals("/") && request.getHeaders().isEmpty()
                && RouteAttributes.getRouteMatch(request).isEmpty();
    }

    /*
     * Management endpoints (metrics, detailed health, operator actions) answer only on the management listener, which
     * is bound to loopback by default: they belong to whoever runs the service, not to a workspace's key.
     */
    private static boolean isManagementEndpoint(HttpRequest<?> request) {
        return RouteAttributes.getRouteMatch(request)
                .map(match -> ((RouteMatch<?>) match).getAnnotationMetadata().hasStereotype(Endpoint.class))
                .orElse(false);
    }

    private static ProblemException unauthorized(String detail) {
        return new ProblemException(HttpStatus.UNAUTHORIZED, "unauthorized", detail, Map.of(),
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer"));
    }
}
