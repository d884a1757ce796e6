package io.profilehub.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.netty.handler.codec.compression.DecompressionException;
import jakarta.inject.Singleton;

/**
 * Netty inflates gzip and deflate bodies before any controller runs; a body that claims such an encoding but is not
 * (or is cut short) is the client's mistake, not a server error.
 */
@Produces(Problems.MEDIA_TYPE)
@Singleton
public class DecompressionErrorHandler implements ExceptionHandler<DecompressionException, HttpResponse<?>> {
    @Override
    public HttpResponse<?> handle(HttpRequest request, DecompressionException exception) {
        // Netty has already removed the Content-Encoding header it acted on.
        return Problems.response(ProblemException.badRequest("The request body could not be decompressed as its "
                + "Content-Encoding (gzip or deflate) says it should: " + exception.getMessage()
                + ". Send it compressed that way, or without Content-Encoding."));
    }
}
