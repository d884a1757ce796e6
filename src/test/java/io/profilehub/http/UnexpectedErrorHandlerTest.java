package io.profilehub.http;

import io.micronaut.data.connection.exceptions.ConnectionException;
import io.micronaut.data.connection.exceptions.NoConnectionException;
import io.micronaut.transaction.exceptions.TransactionSystemException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failures mean "the database cannot be reached" (503 + Retry-After) rather than a bug (500). */
class UnexpectedErrorHandlerTest {

    @Test
    void aSessionTerminatedMidRequestIsAnOutage() {
        // What a request sees when the server terminates its session: Hikari has closed the broken connection by
        // the time Micronaut resets it, and that failure hides the original FATAL 57P01.
        assertTrue(UnexpectedErrorHandler.databaseUnavailable(new ConnectionException(
                "Could not set JDBC Connection [HikariProxyConnection@1 wrapping ClosedConnection] read-only: "
                        + "Connection is closed", new SQLException("Connection is closed"))));
        assertTrue(UnexpectedErrorHandler.databaseUnavailable(new TransactionSystemException("Could not commit",
                new SQLException("FATAL: terminating connection due to administrator command", "57P01"))));
        assertTrue(UnexpectedErrorHandler.databaseUnavailable(new RuntimeException(
                new SQLException("An I/O error occurred while sending to the backend.", "08006"))));
    }

    @Test
    void programmingErrorsAreNot() {
        assertFalse(UnexpectedErrorHandler.databaseUnavailable(new NoConnectionException("no connection in scope")));
        assertFalse(UnexpectedErrorHandler.databaseUnavailable(new ConnectionException("no cause")));
        assertFalse(UnexpectedErrorHandler.databaseUnavailable(new RuntimeException(
                new SQLException("duplicate key value violates unique constraint", "23505"))));
        assertFalse(UnexpectedErrorHandler.databaseUnavailable(new IllegalStateException("bug")));
    }
}
