package io.profilehub.http;

import io.micronaut.http.HttpStatus;

import java.util.Map;

/** A client-visible failure, answered as RFC 9457 problem+json. */
public class ProblemException extends RuntimeException {
    private final HttpStatus status;
    private final String slug;
    private final Map<String, Object> extensions;
    private final Map<String, String> headers;

    public ProblemException(HttpStatus status, String slug, String detail) {
        this(status, slug, detail, Map.of(), Map.of());
    }

    public ProblemException(HttpStatus status, String slug, String detail, Map<String, Object> extensions,
                            Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.extensions = extensions;
        this.headers = headers;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(HttpStatus.BAD_REQUEST, "bad-request", detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(HttpStatus.NOT_FOUND, "not-found", detail);
    }

    public static ProblemException conflict(String detail, Map<String, Object> extensions) {
        return new ProblemException(HttpStatus.CONFLICT, "conflict", detail, extensions, Map.of());
    }

    public HttpStatus status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
