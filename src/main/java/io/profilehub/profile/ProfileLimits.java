package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.http.HttpStatus;
import io.profilehub.http.ProblemException;
import jakarta.validation.constraints.Min;

import java.util.Iterator;
import java.util.Map;

/**
 * How large a stored profile may become: the bytes of its identifiers and traits as PostgreSQL prints them as JSON
 * text, and the number of their leaves. Unbounded profiles made every later change of them slower and the service's
 * memory grow with them; the leaves bound the work of every merge, diff and history replay of a profile, which the
 * bytes alone do not (a profile of tiny values can hold tens of thousands of them).
 *
 * <p>A leaf is a value at any depth that is not a non-empty object or array: a string, number, boolean, an empty
 * object or array, and each element of an array (a null inside an array too). db/V27's jsonb_leaf_count counts the
 * same way.
 */
@ConfigurationProperties("profilehub.limits")
public record ProfileLimits(
        @Bindable(defaultValue = "262144") @Min(value = 1024, message = "must be at least 1024") int maxProfileBytes,
        @Bindable(defaultValue = "10000") @Min(value = 100, message = "must be at least 100") int maxProfileLeaves) {

    public static ProblemException tooLarge(long bytes, int limit) {
        return new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, "profile-too-large", "The profile would hold "
                + bytes + " bytes of identifiers and traits (as JSON text); the limit is " + limit
                + " bytes. Nothing was changed.", Map.of("profileBytes", bytes, "maxProfileBytes", limit), Map.of());
    }

    public static ProblemException tooManyLeaves(long leaves, int limit, boolean request) {
        return new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, "profile-too-many-leaves", (request
                ? "The request sets " + leaves + " values (leaves of identifiers and traits)"
                : "The profile would hold " + leaves + " values (leaves of identifiers and traits)")
                + "; a profile may hold at most " + limit + " (profilehub.limits.max-profile-leaves). Nothing was "
                + "changed.", Map.of("profileLeaves", leaves, "maxProfileLeaves", limit), Map.of());
    }

    /** The refusal of a request that by itself sets more leaves than a profile may hold; null when it fits. */
    public ProblemException refusal(JsonNode... parts) {
        long leaves = 0;
        for (JsonNode part : parts) {
            leaves += leaves(part, false);
        }
        return leaves > maxProfileLeaves ? tooManyLeaves(leaves, maxProfileLeaves, true) : null;
    }

    /**
     * The leaves of a document or patch, counted as jsonb_leaf_count counts a stored document. A null member of an
     * object outside arrays removes a key in a patch and is never stored, so it is not counted: for a patch the count
     * is then a lower bound of the leaves the profile holds after it (every other leaf of a patch ends in the profile).
     */
    public static long leaves(JsonNode node) {
        return leaves(node, false);
    }

    private static long leaves(JsonNode node, boolean inArray) {
        if (node == null) {
            return 0;
        }
        long count = 0;
        if (node.isObject()) {
            Iterator<JsonNode> values = node.elements();
            while (values.hasNext()) {
                count += value(values.next(), inArray);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                count += value(element, true);
            }
        }
        return count;
    }

    private static long value(JsonNode value, boolean inArray) {
        if (value.isNull()) {
            return inArray ? 1 : 0;
        }
        if (value.isContainerNode()) {
            return value.isEmpty() ? 1 : leaves(value, inArray);
        }
        return 1;
    }
}
