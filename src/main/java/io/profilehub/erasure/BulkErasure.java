package io.profilehub.erasure;

import java.util.List;

/**
 * The answer of {@code POST /erasures}: one item per requested id, in the order requested, each an
 * {@link ErasureRecord} or a {@link Failure}.
 */
public record BulkErasure(List<Object> data) {

    /** An id that was not erased: {@code invalid} (echoed as sent) or {@code not_found}. */
    public record Failure(String userId, String status, String detail) {
    }
}
