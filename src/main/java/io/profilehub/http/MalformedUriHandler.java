package io.profilehub.http;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.http.server.exceptions.URISyntaxHandler;
import jakarta.inject.Singleton;

import java.net.URISyntaxException;

/**
 * A request line whose URI does not parse (a raw {@code "}, {@code {}, {@code |} or a bad %-escape in the query)
 * is the client's mistake: 400 naming the offending character, instead of the framework's default answer.
 */
@Produces(Problems.MEDIA_TYPE)
@Singleton
@Replaces(URISyntaxHandler.class)
public class MalformedUriHandler implements ExceptionHandler<URISyntaxException, HttpResponse<?>> {
    @Override
    public HttpResponse<?> handle(HttpRequest request, URISyntaxException exception) {
        String where = exception.getIndex() >= 0 ? " at index " + exception.getIndex() : "";
        return Problems.response(ProblemException.badRequest("The request URL is not a valid URI (" + exception.getReason()
                + where + "): percent-encode characters such as \" { } | and write % only as part of %XX in the query."));
    }
}
