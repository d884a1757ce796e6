package io.profilehub.export;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.profilehub.history.HistoryEntry;
import io.profilehub.profile.Profile;

import java.util.List;

/**
 * GET /identify/{id}/export: everything ProfileHub holds about one person, as one document (the answer to a GDPR
 * article 15 access request, and in a machine-readable form for article 20 portability). Ids and times of other
 * profiles appear only as the other side of a merge; none of their values do.
 */
@JsonPropertyOrder({"userId", "workspaceId", "exportedAt", "profile", "history", "merges", "destinations"})
public record SubjectAccessExport(String userId, String workspaceId, String exportedAt, Profile profile,
                                  History history, List<Merge> merges, List<Destination> destinations) {

    /** Every field change kept, oldest first; {@code keptSince}: how far back the change log reaches. */
    @JsonPropertyOrder({"retention", "keptSince", "entries"})
    public record History(String retention, String keptSince, List<HistoryEntry> entries) {
    }

    /** A merge this profile took part in; {@code role}: survivor (it absorbed the other) or absorbed. */
    @JsonPropertyOrder({"id", "role", "survivorId", "absorbedId", "status", "createdAt", "undoneAt"})
    public record Merge(String id, String role, String survivorId, String absorbedId, String status,
                        String createdAt, String undoneAt) {
    }

    /**
     * A destination the profile's changes went to: each change (version, kind, outcome, when it was queued and, for a
     * dead one, when it was given up) and each failed attempt (HTTP status and time; the vendors' answers are not
     * included).
     */
    @JsonPropertyOrder({"name", "changes", "failedAttempts"})
    public record Destination(String name, List<Sent> changes, List<Failure> failedAttempts) {
    }

    /** status: delivered, pending, dead, discarded or cancelled (erased before it was sent). */
    @JsonPropertyOrder({"version", "kind", "status", "attempts", "queuedAt", "deadAt"})
    public record Sent(Long version, String kind, String status, int attempts, String queuedAt, String deadAt) {
    }

    @JsonPropertyOrder({"firstVersion", "lastVersion", "httpStatus", "failedAt"})
    public record Failure(Long firstVersion, Long lastVersion, Integer httpStatus, String failedAt) {
    }
}
