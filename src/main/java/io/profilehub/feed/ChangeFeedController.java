package io.profilehub.feed;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.Page;

import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;

/** GET /changes: a workspace's changes in commit order, resumable by cursor, long-polled with {@code wait}. */
@Controller
public class ChangeFeedController {
    private final ChangeFeed feed;

    ChangeFeedController(ChangeFeed feed) {
        this.feed = feed;
    }

    /* A future, not a blocking wait: a reader waiting 30 s holds no request thread (nor a database connection). */
    @Get("/changes")
    @RequiresScope(Scope.PROFILES_READ)
    public CompletableFuture<ChangePage> changes(Caller caller, HttpRequest<?> request) {
        FeedRequest query = FeedRequest.of(request);
        String workspaceId = caller.workspaceId();
        FeedPosition from = feed.position(query.after(), workspaceId);
        return feed.poll(workspaceId, from, query.limit(), query.waitDuration()).thenApply(changes -> {
            String next = feed.cursor(workspaceId, changes.next());
            return new ChangePage(changes.json(), next, new Page.Meta(query.limit(),
                    url(query.after(), query), url(next, query), null));
        });
    }

    /* Cursors are base64url and a dot: they go into the URL as they are. */
    private static String url(String after, FeedRequest query) {
        StringJoiner parameters = new StringJoiner("&", "/changes?", "");
        if (after != null) {
            parameters.add("after=" + after);
        }
        parameters.add("limit=" + query.limit());
        if (query.waitSeconds() != null) {
            parameters.add("wait=" + query.waitSeconds());
        }
        return parameters.toString();
    }
}
