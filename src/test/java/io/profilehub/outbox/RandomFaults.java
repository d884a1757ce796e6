package io.profilehub.outbox;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import java.util.concurrent.ThreadLocalRandom;

/** Makes a WireMock server fail a share of requests with 500 or 429, like a flaky vendor. */
public class RandomFaults implements ResponseDefinitionTransformerV2 {
    private volatile double serverErrors;
    private volatile double tooManyRequests;

    public void set(double serverErrors, double tooManyRequests) {
        this.serverErrors = serverErrors;
        this.tooManyRequests = tooManyRequests;
    }

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        double r = ThreadLocalRandom.current().nextDouble();
        if (r < serverErrors) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(500).withBody("{\"error\":\"boom\"}").build();
        }
        if (r < serverErrors + tooManyRequests) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(429).withHeader("Retry-After", "0").build();
        }
        return serveEvent.getResponseDefinition();
    }

    @Override
    public String getName() {
        return "random-faults";
    }

    @Override
    public boolean applyGlobally() {
        return true;
    }
}
