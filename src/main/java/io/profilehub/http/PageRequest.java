package io.profilehub.http;

/**
 * The paging parameters every listing takes: {@code limit} (1..{@value #MAX_LIMIT}, {@value #DEFAULT_LIMIT} when
 * absent) and the opaque {@code pageToken} of a previous answer. Controllers take it as a parameter
 * ({@link PageRequestBinder}), so each listing reads them the same way.
 */
public record PageRequest(int limit, String pageToken) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 100;

    /** The names the binder reads; a listing's filters are the other query parameters. */
    public static final java.util.Set<String> PARAMETERS = java.util.Set.of("limit", "pageToken");

    /**
     * Parses {@code limit} strictly: "", " 5", "1.5" or "abc" are refused rather than read as the default or as 5,
     * since a page of another size than asked is a silently altered value.
     */
    public static PageRequest of(String limit, String pageToken) {
        return new PageRequest(limit == null ? DEFAULT_LIMIT : parseLimit(limit), pageToken);
    }

    private static int parseLimit(String value) {
        if (value.length() <= 3 && value.chars().allMatch(c -> c >= '0' && c <= '9') && !value.isEmpty()) {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        }
        throw ProblemException.badRequest("'limit' must be a whole number from 1 to " + MAX_LIMIT + ", not '"
                + printable(value) + "'.");
    }

    static String printable(String s) {
        String clean = s.replace('\u0000', '?');
        return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
    }
}
