package io.profilehub.destination;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * One destination's way to its vendor: a JSON POST answered with status and body. {@link VendorHttp#client} gives
 * the real one (a pooled Micronaut client of that destination); a unit test may answer by itself.
 */
public interface VendorClient {
    /** Posts {@code body} as JSON; an answer of any status is returned, only no answer at all throws. */
    VendorHttp.Answer post(URI uri, Map<String, String> headers, byte[] body) throws Exception;

    /** How long one request may take, for the message when it took longer. */
    Duration timeout();

    /**
     * Sends and classifies in one step (see {@link VendorHttp#classify}); a network failure or timeout becomes a
     * retry outcome. {@code secrets} are blanked out of what the vendor said.
     */
    default Outcome send(URI uri, Map<String, String> headers, byte[] body, String... secrets) {
        return exchange(uri, headers, body, answer -> VendorHttp.classify(answer, secrets));
    }

    /**
     * Sends and reads the answer with {@code reading}, for a vendor whose answers say more than their status (which
     * {@code reading} still classifies with {@link VendorHttp#classify}); no answer at all is a retry outcome.
     */
    default Outcome exchange(URI uri, Map<String, String> headers, byte[] body,
                             Function<VendorHttp.Answer, Outcome> reading) {
        VendorHttp.Answer answer;
        try {
            answer = post(uri, headers, body);
        } catch (Exception e) {
            return VendorHttp.failure(e, timeout());
        }
        return reading.apply(answer);
    }
}
