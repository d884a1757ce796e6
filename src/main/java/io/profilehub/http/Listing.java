package io.profilehub.http;

import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Pages a forward-only listing (API keys, erasures, dead letters) by keyset: the repository reads
 * {@code limit + 1} rows after {@link Request#after()}, and {@link Request#page} makes the answer from them.
 */
@Singleton
public class Listing {
    private final PageTokens tokens;

    public Listing(PageTokens tokens) {
        this.tokens = tokens;
    }

    /**
     * @param filters the listing's filters in the order its URLs write them (null values are absent)
     */
    public Request request(String workspaceId, String path, Map<String, String> filters, PageRequest page) {
        Map<String, String> copy = new LinkedHashMap<>(filters);
        String scope = tokens.scope(path, copy);
        PageTokens.Cursor cursor = tokens.read(page.pageToken(), workspaceId, scope);
        if (cursor != null && cursor.direction() != PageTokens.Direction.AFTER) {
            // Unreachable with a genuine token: forward-only listings never issue one that pages back.
            throw ProblemException.badRequest("'pageToken' pages backwards, which this listing does not.");
        }
        return new Request(workspaceId, path, copy, scope, page, cursor == null ? null : cursor.key());
    }

    public final class Request {
        private final String workspaceId;
        private final String path;
        private final Map<String, String> filters;
        private final String scope;
        private final PageRequest page;
        private final String after;

        private Request(String workspaceId, String path, Map<String, String> filters, String scope, PageRequest page,
                        String after) {
            this.workspaceId = workspaceId;
            this.path = path;
            this.filters = filters;
            this.scope = scope;
            this.page = page;
            this.after = after;
        }

        public int limit() {
            return page.limit();
        }

        /** The key of the last row of the previous page (signed, so as issued), or null for the first page. */
        public String after() {
            return after;
        }

        /**
         * @param rows up to {@code limit() + 1} rows after {@link #after()} in key order; the extra one only says
         *             that there is a next page
         */
        public <R, T> Page<T> page(List<R> rows, Function<R, String> key, Function<R, T> view) {
            boolean more = rows.size() > limit();
            List<R> shown = more ? rows.subList(0, limit()) : rows;
            return page(shown.stream().map(view).toList(), more ? key.apply(shown.get(shown.size() - 1)) : null);
        }

        /** @param lastKey the key the next page starts after, or null when this page is the last */
        public <T> Page<T> page(List<T> data, String lastKey) {
            String next = lastKey == null ? null
                    : tokens.issue(workspaceId, scope, new PageTokens.Cursor(PageTokens.Direction.AFTER, lastKey));
            return Page.of(data, path, filters, limit(), page.pageToken(), next, null);
        }
    }
}
