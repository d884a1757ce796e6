package io.profilehub.feed;

import io.micronaut.http.HttpRequest;
import io.profilehub.http.ProblemException;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The query of GET /changes, read strictly: a limit, a wait or a parameter the feed does not know is refused with
 * what would be right, never read as a default (a misspelt {@code wiat} silently not waiting is a changed value).
 *
 * @param after the cursor to resume after (null: from the oldest change kept)
 * @param waitSeconds the wait in whole seconds; null when not given (no wait)
 */
record FeedRequest(String after, int limit, Integer waitSeconds) {
    static final int DEFAULT_LIMIT = 100;
    /* Above the listings' 100: a reader catching up takes 1,000 changes a request (bench/README.md, "Pull feed"). */
    static final int MAX_LIMIT = 1000;
    static final int MAX_WAIT_SECONDS = 30;
    private static final Set<String> PARAMETERS = Set.of("after", "limit", "wait");

    static FeedRequest of(HttpRequest<?> request) {
        for (String name : request.getParameters().names()) {
            if (!PARAMETERS.contains(name)) {
                throw ProblemException.badRequest("Unknown query parameter '" + printable(name)
                        + "'; /changes takes after, limit and wait.");
            }
        }
        String limit = once(request, "limit");
        String wait = once(request, "wait");
        return new FeedRequest(once(request, "after"),
                limit == null ? DEFAULT_LIMIT : number("limit", limit, 1, MAX_LIMIT),
                wait == null ? null : number("wait", wait, 0, MAX_WAIT_SECONDS));
    }

    Duration waitDuration() {
        return Duration.ofSeconds(waitSeconds == null ? 0 : waitSeconds);
    }

    private static int number(String name, String value, int min, int max) {
        if (!value.isEmpty() && value.length() <= 4 && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        }
        throw ProblemException.badRequest("'" + name + "' must be a whole number from " + min + " to " + max
                + (name.equals("wait") ? " (seconds)" : "") + ", not '" + printable(value) + "'.");
    }

    private static String once(HttpRequest<?> request, String name) {
        List<String> values = request.getParameters().getAll(name);
        if (values.size() > 1) {
            throw ProblemException.badRequest("Query parameter '" + name + "' is given " + values.size()
                    + " times; give it once.");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    private static String printable(String s) {
        String clean = s.replace('\u0000', '?');
        return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
    }
}
