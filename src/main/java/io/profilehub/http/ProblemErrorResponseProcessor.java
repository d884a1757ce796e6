package io.profilehub.http;

import io.micronaut.context.annotation.Primary;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns every error the framework itself answers (unknown route, wrong method, 413, 415, unreadable body) into
 * problem+json. Server-side failures never expose their exception text.
 */
@Primary
@Singleton
public class ProblemErrorResponseProcessor implements ErrorResponseProcessor<Map<String, Object>> {
    @Override
    public MutableHttpResponse<Map<String, Object>> processResponse(ErrorContext context,
                                                                    MutableHttpResponse<?> response) {
        HttpStatus status = response.getStatus();
        String detail;
        if (status.getCode() >= 500) {
            detail = "The server could not complete the request; it has been logged.";
        } else if (status == HttpStatus.REQUEST_ENTITY_TOO_LARGE) {
            // Netty answers 413 for a body over max-request-size and for a URL or headers over its line limits alike.
            detail = "The request is larger than this server accepts: a body over 1 MiB, or a URL or headers too long.";
        } else if (status == HttpStatus.UNSUPPORTED_MEDIA_TYPE) {
            detail = "Send the body as application/json.";
        } else if (context.hasErrors()) {
            detail = context.getErrors().stream().map(Error::getMessage).collect(Collectors.joining("; "));
        } else {
            detail = status.getReason();
        }
        return response.body(Problems.body(status, Problems.slugFor(status), detail, Map.of()))
                .contentType(Problems.MEDIA_TYPE);
    }
}
