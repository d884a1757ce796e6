package io.profilehub.operations;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/**
 * {@code profilehub.management.*}: where the management listener binds (application.yml hands both to the
 * listener). Bound here so that a wrong value stops start-up naming the key.
 */
@ConfigurationProperties("profilehub.management")
public record ManagementSettings(@NotBlank(message = "must name an address, e.g. 127.0.0.1") String host,
                                 @Min(value = -1, message = "must be a port number (0-65535)")
                                 @Max(value = 65535, message = "must be a port number (0-65535)") int port) {
}
