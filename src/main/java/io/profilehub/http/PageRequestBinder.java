package io.profilehub.http;

import io.micronaut.core.convert.ArgumentConversionContext;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.bind.binders.TypedRequestArgumentBinder;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Optional;

/**
 * Binds {@link PageRequest} from the raw query: Micronaut's own conversion would read an empty {@code ?limit=} as
 * no value (the default page size) and answer a bad number without saying what a good one is.
 */
@Singleton
public class PageRequestBinder implements TypedRequestArgumentBinder<PageRequest> {
    @Override
    public Argument<PageRequest> argumentType() {
        return Argument.of(PageRequest.class);
    }

    @Override
    public BindingResult<PageRequest> bind(ArgumentConversionContext<PageRequest> context, HttpRequest<?> source) {
        PageRequest page = PageRequest.of(once(source, "limit"), once(source, "pageToken"));
        return () -> Optional.of(page);
    }

    private static String once(HttpRequest<?> request, String name) {
        List<String> values = request.getParameters().getAll(name);
        if (values.size() > 1) {
            throw ProblemException.badRequest("Query parameter '" + name + "' is given " + values.size()
                    + " times; give it once.");
        }
        return values.isEmpty() ? null : values.get(0);
    }
}
