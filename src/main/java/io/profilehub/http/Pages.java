package io.profilehub.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Predicate;

/**
 * The one shape of every paged listing, that of Attuitive's search: {@code data}, {@code nextPageToken} (absent on
 * the last page) and {@code meta} with the page size and relative URLs of this page and the next. Listings that
 * page forward only have a {@code previousPageUrl} of null.
 */
public final class Pages {
    private Pages() {
    }

    /** The {@code limit} parameter of a listing: absent means {@code fallback}; else a whole number in 1..max. */
    public static int limit(String raw, int fallback, int max) {
        if (raw == null) {
            return fallback;
        }
        int size;
        try {
            size = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size < 1 || size > max) {
            throw ProblemException.badRequest("'limit' must be a whole number from 1 to " + max + ".");
        }
        return size;
    }

    /**
     * The position a forward-only listing's {@code pageToken} stands for (the last key of the previous page), or
     * null without a token. A token that does not decode to a key {@code valid} accepts is a 400.
     */
    public static String after(String pageToken, Predicate<String> valid) {
        if (pageToken == null) {
            return null;
        }
        String after;
        try {
            after = new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            after = "";
        }
        if (!valid.test(after)) {
            throw ProblemException.badRequest("'pageToken' is malformed; use the nextPageToken of a previous answer.");
        }
        return after;
    }

    /** The token of the page after {@code lastKey}, or null when there is none. */
    public static String token(String lastKey) {
        return lastKey == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param query the request's filters in order, without {@code limit} and {@code pageToken}; null values are
     *              left out
     */
    public static Map<String, Object> page(List<?> data, int limit, String path, Map<String, String> query,
                                           String pageToken, String nextPageToken) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", data);
        if (nextPageToken != null) {
            body.put("nextPageToken", nextPageToken);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("limit", limit);
        meta.put("url", url(path, query, limit, pageToken));
        meta.put("nextPageUrl", nextPageToken == null ? null : url(path, query, limit, nextPageToken));
        meta.put("previousPageUrl", null);
        body.put("meta", meta);
        return body;
    }

    private static String url(String path, Map<String, String> query, int limit, String pageToken) {
        StringJoiner parameters = new StringJoiner("&", path + "?", "");
        query.forEach((k, v) -> {
            if (v != null) {
                parameters.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        parameters.add("limit=" + limit);
        if (pageToken != null) {
            parameters.add("pageToken=" + pageToken);
        }
        return parameters.toString();
    }
}
