package io.profilehub.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

import java.sql.SQLException;

/**
 * SQLExceptions reach the router unwrapped from transaction callbacks; they get the same answers as wrapped ones
 * (a lock or statement timeout is a 503 to retry, not a 500).
 */
@Produces(Problems.MEDIA_TYPE)
@Singleton
public class SqlErrorHandler implements ExceptionHandler<SQLException, HttpResponse<?>> {
    @Override
    public HttpResponse<?> handle(HttpRequest request, SQLException exception) {
        return UnexpectedErrorHandler.answer(request, exception);
    }
}
