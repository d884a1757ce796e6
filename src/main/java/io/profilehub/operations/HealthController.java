package io.profilehub.operations;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.management.endpoint.health.HealthLevelOfDetail;
import io.micronaut.management.health.aggregator.HealthAggregator;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import org.reactivestreams.Publisher;


/**
 * {@code /health} on the API port, for load balancers and anyone without a key: UP (200) or DOWN (503) and nothing
 * else. The same checks with their details (database URL and version, disk) are the management port's
 * {@code /health}, which only operators reach.
 */
@Controller
public class HealthController {
    /** UP or DOWN, and nothing a caller without a key should not see. */
    public record Health(String status) {
    }

    private final HealthAggregator<HealthResult> aggregator;
    private final HealthIndicator[] indicators;

    public HealthController(HealthAggregator<HealthResult> aggregator, HealthIndicator[] indicators) {
        this.aggregator = aggregator;
        this.indicators = indicators;
    }

    @Get("/health")
    public Publisher<MutableHttpResponse<Health>> health() {
        return Publishers.map(aggregator.aggregate(indicators, HealthLevelOfDetail.STATUS), result -> {
            boolean down = HealthStatus.DOWN.equals(result.getStatus());
            return HttpResponse.<Health>status(down ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK)
                    .body(new Health(down ? "DOWN" : result.getStatus().getName()));
        });
    }
}
