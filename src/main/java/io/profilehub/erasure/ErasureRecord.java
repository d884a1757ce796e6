package io.profilehub.erasure;

import java.util.List;

/** What GET /erasures/{userId} shows: no identifiers, no traits, no email — only ids, times and states. */
public record ErasureRecord(String userId, String requestedAt, ErasureStatus status, boolean suppressed,
                           String completedAt, List<DestinationStatus> destinations) {

    public record DestinationStatus(String name, ErasureDestinationStatus status, String detail, Integer lastStatus,
                                    String updatedAt) {
    }
}
