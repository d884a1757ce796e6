package io.profilehub.http;

import io.micronaut.data.connection.exceptions.ConnectionException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failures are the database being unreachable (503 with Retry-After) rather than a bug (500). */
class UnexpectedErrorHandlerTest {
    @Test
    void aPooledConnectionTheDatabaseDroppedIsUnavailabilityNotABug() {
        // What a query on a broken pooled connection ends as: Micronaut Data restores the connection in a finally
        // block, Hikari has already closed it, and that failure replaces the query's own I/O error.
        RuntimeException e = new ConnectionException("Could not set JDBC Connection [ClosedConnection] read-only: "
                + "Connection is closed", new SQLException("Connection is closed"));
        assertTrue(UnexpectedErrorHandler.databaseUnavailable(e));
    }

    @Test
    void connectionStatesAreUnavailability() {
        assertTrue(UnexpectedErrorHandler.databaseUnavailable(new IllegalStateException(
                new SQLException("An I/O error occurred while sending to the backend.", "08006"))));
        assertTrue(UnexpectedErrorHandler.databaseUnavailable(new IllegalStateException(
                new SQLException("terminating connection due to administrator command", "57P01"))));
    }

    @Test
    void otherFailuresAreNot() {
        assertFalse(UnexpectedErrorHandler.databaseUnavailable(new IllegalStateException("bug")));
        assertFalse(UnexpectedErrorHandler.databaseUnavailable(new IllegalStateException(
                new SQLException("syntax error", "42601"))));
    }
}
