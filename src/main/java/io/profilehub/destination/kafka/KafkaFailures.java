package io.profilehub.destination.kafka;

import io.profilehub.destination.Outcome;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownProducerIdException;

import java.time.Duration;

/**
 * What the producer's failures mean for the engine, in one place. Only a record the broker refuses for good (too
 * large, or invalid) is dead-lettered; a refusal of our credentials or rights on the topic holds for every record, so
 * it pauses the destination as 401/403 pause an HTTP one (nothing is lost: the operator fixes the ACL or the SASL
 * settings and resumes); everything else (broker down or slow, leader moving, no acknowledgement in time) is retried
 * with backoff, and the breaker stops the destination's lanes when nearly every request fails. Details are our own
 * sentences with the exception's class, never its message, which may quote the record.
 */
final class KafkaFailures {
    /** How a detail starts when the producer itself is done for and must be replaced. */
    static final String PRODUCER_FAILED = "the Kafka producer failed";

    private KafkaFailures() {
    }

    static Outcome outcome(Throwable e, Duration timeout, String context) {
        String name = e.getClass().getSimpleName();
        if (e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException
                || e instanceof InvalidRecordException) {
            return Outcome.dead(0, "the broker refuses this record for good (" + name + ")");
        }
        if (e instanceof AuthorizationException || e instanceof AuthenticationException) {
            return Outcome.pause(0, "the broker refused access (" + name + "): grant the producer write access to "
                    + "the topic or fix the destination's SASL/TLS properties, then resume the destination");
        }
        if (e instanceof TimeoutException) {
            return Outcome.retry(0, (context == null ? "no acknowledgement from the broker" : context) + " within "
                    + timeout.toMillis() + " ms", null);
        }
        if (e instanceof InterruptException || e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return Outcome.retry(0, "interrupted while sending (shutting down)", null);
        }
        if (e instanceof RetriableException) {
            return Outcome.retry(0, "the broker asked to try again (" + name + ")", null);
        }
        if (e instanceof ProducerFencedException || e instanceof OutOfOrderSequenceException
                || e instanceof InvalidProducerEpochException || e instanceof UnknownProducerIdException
                || e instanceof IllegalStateException) {
            return Outcome.retry(0, PRODUCER_FAILED + " (" + name + ")", null);
        }
        return Outcome.retry(0, "Kafka client error (" + name + ")", null);
    }
}
