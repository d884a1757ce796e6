package io.profilehub.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.management.endpoint.annotation.Endpoint;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.web.router.RouteMatch;
import io.micronaut.web.router.RouteAttributes;
import io.profilehub.console.ConsolePaths;
import io.profilehub.http.ProblemException;
import io.profilehub.http.Problems;

import java.util.Map;
import java.util.Optional;

/**
 * Bearer API keys on every endpoint but health, the management port's, and the static pages of the console and API
 * reference. Routes name their scope with {@link RequiresScope}; anything without one needs {@code admin}. Missing
 * or unknown key: 401; missing scope: 403.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class ApiKeyAuthFilter {
    private final ApiKeys apiKeys;
    private final RateLimits rateLimits;

    public ApiKeyAuthFilter(ApiKeys apiKeys, RateLimits rateLimits) {
        this.apiKeys = apiKeys;
        this.rateLimits = rateLimits;
    }

    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        String path = request.getPath();
        if (path.equals("/health") || path.startsWith("/health/") || ConsolePaths.isPublicPage(path)
                || isManagementEndpoint(request) || isStandInForMalformedUri(request)) {
            return null;
        }
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            return unauthorized("Send an API key as 'Authorization: Bearer <key>'.");
        }
        Optional<Caller> caller = apiKeys.authenticate(header.substring(7).trim());
        if (caller.isEmpty()) {
            return unauthorized("The API key is unknown or has been revoked.");
        }
        // Unknown paths fall through to the framework's 404; known ones without a declared scope need admin.
        Scope needed = RouteAttributes.getRouteMatch(request)
                .map(match -> ((RouteMatch<?>) match).getAnnotationMetadata()
                        .enumValue(RequiresScope.class, Scope.class).orElse(Scope.ADMIN))
                .orElse(null);
        if (needed != null && !caller.get().has(needed)) {
            return Problems.response(new ProblemException(HttpStatus.FORBIDDEN, "forbidden",
                    "This API key lacks the '" + needed.value() + "' scope this endpoint needs."));
        }
        Long wait = rateLimits.check(caller.get().keyId());
        if (wait != null) {
            return Problems.response(new ProblemException(HttpStatus.TOO_MANY_REQUESTS, "too-many-requests",
                    "This API key sent more requests than its limit allows; retry in " + wait + " s.", Map.of(),
                    Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(wait))));
        }
        request.setAttribute(Caller.ATTRIBUTE, caller.get());
        return null;
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

    private static HttpResponse<?> unauthorized(String detail) {
        return Problems.response(new ProblemException(HttpStatus.UNAUTHORIZED, "unauthorized", detail, Map.of(),
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer")));
    }
}
