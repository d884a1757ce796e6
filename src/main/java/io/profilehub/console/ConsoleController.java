package io.profilehub.console;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

import java.net.URI;

/**
 * The console's and the API reference's entry points. Their files are static resources from the jar
 * (micronaut.router.static-resources in application.yml); these send the bare paths to the directory form, so
 * relative URLs inside the pages resolve the same way whichever one was typed.
 */
@Controller
public class ConsoleController {

    @Get("/console")
    public HttpResponse<?> console() {
        return HttpResponse.permanentRedirect(URI.create("/console/"));
    }

    @Get("/docs")
    public HttpResponse<?> docs() {
        return HttpResponse.permanentRedirect(URI.create("/docs/"));
    }
}
