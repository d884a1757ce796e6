package io.profilehub.console;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/**
 * Browsers ask every origin for /favicon.ico unasked. The console names its own icon, but Swagger UI's pages and a
 * browser opening the API directly still ask: "no icon" (204) says so without a key, and without a 401 logged on
 * every load.
 */
@Controller
public class FaviconController {
    static final String PATH = "/favicon.ico";

    @Get(PATH)
    public HttpResponse<?> none() {
        return HttpResponse.noContent();
    }
}
