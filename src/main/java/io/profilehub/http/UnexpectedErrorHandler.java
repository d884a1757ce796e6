package io.profilehub.http;

import io.micronaut.data.connection.exceptions.ConnectionException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;

/**
 * Whatever no other handler claims. A database that cannot be reached is the client's cue to retry (503 with
 * Retry-After), not a server bug; anything else is a 500 whose details stay in the log, never in the answer.
 */
@Produces(Problems.MEDIA_TYPE)
@Singleton
public class UnexpectedErrorHandler implements ExceptionHandler<RuntimeException, HttpResponse<?>> {
    private static final Logger LOG = LoggerFactory.getLogger(UnexpectedErrorHandler.class);

    @Override
    public HttpResponse<?> handle(HttpRequest request, RuntimeException exception) {
        return answer(request, exception);
    }

    /**
     * The 503 a database failure worth retrying deserves (unreachable, or cut off by a lock or statement timeout),
     * or null for anything else.
     */
    public static ProblemException retryable(Throwable exception) {
        if (databaseUnavailable(exception)) {
            return new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable",
                    "The database cannot be reached right now; nothing was written. Retry shortly.", Map.of(),
                    Map.of("Retry-After", "5"));
        }
        String timedOut = databaseTimeout(exception);
        if (timedOut != null) {
            return new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "database-busy",
                    "The database did not complete the request in time (" + timedOut + "); nothing was written. "
                            + "Retry shortly.", Map.of(), Map.of("Retry-After", "2"));
        }
        return null;
    }

    static HttpResponse<?> answer(HttpRequest<?> request, Exception exception) {
        if (databaseUnavailable(exception)) {
            LOG.warn("{} {}: database unavailable ({})", request.getMethodName(), request.getPath(), rootMessage(exception));
            return Problems.response(new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable",
                    "The database cannot be reached right now; nothing was written. Retry shortly.", Map.of(),
                    Map.of("Retry-After", "5")));
        }
        String timedOut = databaseTimeout(exception);
        if (timedOut != null) {
            // The statement was cancelled and its transaction rolled back: retrying is safe and may well succeed.
            LOG.warn("{} {}: {}", request.getMethodName(), request.getPath(), timedOut);
            return Problems.response(new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "database-busy",
                    "The database did not complete the request in time (" + timedOut + "); nothing was written. "
                            + "Retry shortly.", Map.of(), Map.of("Retry-After", "2")));
        }
        LOG.error("{} {} failed", request.getMethodName(), request.getPath(), exception);
        return Problems.response(new ProblemException(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error",
                "The server could not complete the request; it has been logged."));
    }

    static boolean databaseUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // ConnectionException: Micronaut Data could not open, set up or restore a connection. A query that fails
            // on a pooled connection the database dropped ends as one: restoring the closed connection throws it in
            // a finally block, which replaces the I/O error (SQLState 08006) the query itself failed with.
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof ConnectException || t instanceof ConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exception; 57P01-57P03: the server is shutting down or starting.
                if (state.startsWith("08") || state.startsWith("57P")) {
                    return true;
                }
            }
            if (t instanceof PSQLException && t.getMessage() != null && t.getMessage().contains("I/O error")) {
                return true;
            }
        }
        return false;
    }

    /** Which limit of the session stopped a statement: lock_timeout (55P03) or statement_timeout (57014). */
    static String databaseTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && "55P03".equals(sql.getSQLState())) {
                return "a lock it needed stayed held by another request beyond the lock timeout";
            }
            if (t instanceof SQLException sql && "57014".equals(sql.getSQLState())) {
                return "a statement ran beyond the statement timeout";
            }
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
