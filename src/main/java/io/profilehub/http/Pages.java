package io.profilehub.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The one shape of every paged listing, that of Attuitive's search: {@code data}, {@code nextPageToken} (absent on
 * the last page) and {@code meta} with the page size and relative URLs of this page and the next. Listings that
 * page forward only have a {@code previousPageUrl} of null.
 */
public final class Pages {
    private Pages() {
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
