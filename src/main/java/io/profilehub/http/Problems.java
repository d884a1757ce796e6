package io.profilehub.http;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds RFC 9457 problem documents. Each also carries Attuitive's {@code message} and {@code moreInfo} members so
 * clients written for either convention can read it.
 */
public final class Problems {
    public static final String MEDIA_TYPE = "application/problem+json";

    private Problems() {
    }

    public static Map<String, Object> body(HttpStatus status, String slug, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        String type = "https://profilehub.io/problems/" + slug;
        body.put("type", type);
        body.put("title", status.getReason());
        body.put("status", status.getCode());
        body.put("detail", detail);
        body.put("message", detail);
        body.put("moreInfo", type);
        body.putAll(extra);
        return body;
    }

    public static MutableHttpResponse<Map<String, Object>> response(ProblemException e) {
        MutableHttpResponse<Map<String, Object>> response = HttpResponse.<Map<String, Object>>status(e.status())
                .body(body(e.status(), e.slug(), e.getMessage(), e.extensions()))
                .contentType(MEDIA_TYPE);
        e.headers().forEach(response::header);
        return response;
    }

    static String slugFor(HttpStatus status) {
        return status.getReason().toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }
}
