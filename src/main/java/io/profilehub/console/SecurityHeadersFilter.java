package io.profilehub.console;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Browser hardening on every answer. Profile data is written by whoever holds a write key, so the console must
 * never run anything but its own files: scripts and styles only from this origin (no inline script, no eval), no
 * third-party requests, and no framing. API answers get the strictest policy, since they are never pages.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class SecurityHeadersFilter {
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    static final String API_POLICY = "default-src 'none'; frame-ancestors 'none'";

    @ResponseFilter
    public void harden(HttpRequest<?> request, MutableHttpResponse<?> response) {
        boolean page = ConsolePaths.isPublicPage(request.getPath());
        var headers = response.getHeaders();
        headers.set("Content-Security-Policy", page ? PAGE_POLICY : API_POLICY);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Referrer-Policy", "no-referrer");
        headers.set("Cross-Origin-Opener-Policy", "same-origin");
        headers.set("Cross-Origin-Resource-Policy", "same-origin");
        if (page) {
            // Revalidate on every load, so a new release's files are never mixed with cached old ones.
            headers.set("Cache-Control", "no-cache");
        }
    }
}
