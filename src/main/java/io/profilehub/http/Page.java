package io.profilehub.http;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The one shape of every paged listing, that of Attuitive's search: {@code data}, {@code nextPageToken} (left out
 * on the last page, as Attuitive does) and {@code meta}, which keeps its nulls. A plain record: the JSON module
 * pom.xml carries is jackson-databind, which writes records as they are (Micronaut serde's @Serdeable is not on
 * the classpath).
 */
public record Page<T>(List<T> data,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String nextPageToken,
                      Meta meta) {

    /** The page size and relative URLs of this page, the next and the previous (null where there is none). */
    public record Meta(int limit, String url, String nextPageUrl, String previousPageUrl) {
    }

    /**
     * @param filters the request's filters in the order they are written, without {@code limit} and
     *                {@code pageToken}; null values are left out
     */
    public static <T> Page<T> of(List<T> data, String path, Map<String, String> filters, int limit, String pageToken,
                                 String nextPageToken, String previousPageToken) {
        return new Page<>(data, nextPageToken, new Meta(limit, url(path, filters, limit, pageToken),
                nextPageToken == null ? null : url(path, filters, limit, nextPageToken),
                previousPageToken == null ? null : url(path, filters, limit, previousPageToken)));
    }

    private static String url(String path, Map<String, String> filters, int limit, String pageToken) {
        StringJoiner parameters = new StringJoiner("&", path + "?", "");
        filters.forEach((name, value) -> {
            if (value != null) {
                parameters.add(encode(name) + "=" + encode(value));
            }
        });
        parameters.add("limit=" + limit);
        if (pageToken != null) {
            // As given: a token is base64url, or refused before any URL is written.
            parameters.add("pageToken=" + pageToken);
        }
        return parameters.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
