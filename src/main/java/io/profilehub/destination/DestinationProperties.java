package io.profilehub.destination;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Introspected;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;

import java.time.Duration;
import java.util.List;

/**
 * The common keys of one {@code profilehub.destinations.<name>} block as the framework binds them, from any property
 * source (files, system properties, environment variables such as {@code PROFILEHUB_DESTINATIONS_CRM_TIMEOUT}) and
 * converted by it. What an annotation can say is checked by the validator; {@link Destinations} checks the rest
 * (required keys, a known type, options of that type) and turns this into {@link DestinationSettings}. Every field
 * is optional here: Destinations tells a destination from the aliases an environment variable's name admits
 * ({@code CRM_HOOK_TYPE} gives {@code crm} as well as {@code crm-hook}) by its required keys, and names a missing
 * one in its message.
 */
@EachProperty(Destinations.PREFIX)
@Introspected
public class DestinationProperties {
    private final String name;
    private String type;
    @Pattern(regexp = "https?://[^\\s/?#]+.*", message = "is not an http(s) URL")
    private String url;
    private String token;
    /** A string, not a boolean: the framework reads any word but "true" as false, so a typo would switch it off. */
    @Pattern(regexp = "(?i)true|false", message = "must be true or false")
    private String enabled;
    private List<String> workspaces;
    @Positive(message = "must be greater than zero")
    private Integer concurrency;
    @Positive(message = "must be greater than zero")
    private Double rateLimit;
    private Duration timeout;
    @Positive(message = "must be greater than zero")
    private Integer batchSize;

    public DestinationProperties(@Parameter String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getToken() {
        return token;
    }

    public void setToken(String token) {
        this.token = token;
    }

    public String getEnabled() {
        return enabled;
    }

    public void setEnabled(String enabled) {
        this.enabled = enabled;
    }

    public List<String> getWorkspaces() {
        return workspaces;
    }

    public void setWorkspaces(List<String> workspaces) {
        this.workspaces = workspaces;
    }

    public Integer getConcurrency() {
        return concurrency;
    }

    public void setConcurrency(Integer concurrency) {
        this.concurrency = concurrency;
    }

    public Double getRateLimit() {
        return rateLimit;
    }

    public void setRateLimit(Double rateLimit) {
        this.rateLimit = rateLimit;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Integer getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(Integer batchSize) {
        this.batchSize = batchSize;
    }
}
