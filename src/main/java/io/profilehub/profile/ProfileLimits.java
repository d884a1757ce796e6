package io.profilehub.profile;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.http.HttpStatus;
import io.profilehub.http.ProblemException;
import jakarta.validation.constraints.Min;

import java.util.Map;

/**
 * How large a stored profile may become: the bytes of its identifiers and traits as PostgreSQL prints them as JSON
 * text. Unbounded profiles made every later change of them slower and the service's memory grow with them.
 */
@ConfigurationProperties("profilehub.limits")
public record ProfileLimits(
        @Bindable(defaultValue = "262144") @Min(value = 1024, message = "must be at least 1024") int maxProfileBytes) {

    public static ProblemException tooLarge(long bytes, int limit) {
        return new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, "profile-too-large", "The profile would hold "
                + bytes + " bytes of identifiers and traits (as JSON text); the limit is " + limit
                + " bytes. Nothing was changed.", Map.of("profileBytes", bytes, "maxProfileBytes", limit), Map.of());
    }
}
