package io.profilehub.merge;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;
import io.profilehub.identity.IdentityKey;
import io.profilehub.ids.ProfileIds;
import io.micronaut.http.annotation.Header;
import io.profilehub.profile.ChangeSources;
import io.profilehub.profile.Profile;
import io.profilehub.profile.ProfileService;
import io.profilehub.http.Listing;
import io.profilehub.http.Page;
import io.profilehub.http.PageRequest;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Merging two profiles into one, reading a merge's record, and undoing it. */
@Controller
public class MergeController {
    private static final Pattern MERGE_ID = Pattern.compile("mrg_[A-Za-z0-9]{16}");

    private final MergeService merges;
    private final ProfileService profiles;
    private final Listing listing;

    public MergeController(MergeService merges, ProfileService profiles, Listing listing) {
        this.merges = merges;
        this.profiles = profiles;
        this.listing = listing;
    }

    /** The answer to a merge: what was done, and the survivor as it is now. */
    public record MergeAnswer(Done merge, Profile profile) {
    }

    @JsonPropertyOrder({"id", "survivorId", "absorbedId", "prefer", "status", "createdAt", "survivorVersion",
            "undoableUntil", "releasedKeys"})
    public record Done(String id, String survivorId, String absorbedId, String prefer, String status,
                       String createdAt, long survivorVersion, String undoableUntil, List<IdentityKey> releasedKeys) {
    }

    /** The answer to an undo: the merge's record and both profiles as restored. */
    public record UndoAnswer(MergeRecord merge, Profile survivor, Profile absorbed) {
    }

    @Post(uri = "/identify/{userId}/merge", consumes = "*/*")
    @RequiresScope(Scope.PROFILES_WRITE)
    public HttpResponse<MergeAnswer> merge(Caller caller, HttpRequest<?> request, @PathVariable String userId,
                                           @Nullable @Header(ChangeSources.HEADER) String label,
                                           @Nullable @Body byte[] body) {
        ProfileIds.require(userId);
        ObjectNode json = JsonInput.parseObject(request, body);
        Iterator<String> names = json.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!name.equals("from") && !name.equals("prefer")) {
                throw ProblemException.badRequest("Unknown member '" + (name.length() > 60 ? name.substring(0, 60)
                        + "…" : name) + "' in the request body; expected from and prefer.");
            }
        }
        JsonNode from = json.get("from");
        if (from == null || !from.isTextual() || !ProfileIds.isValid(from.textValue())) {
            throw ProblemException.badRequest("'from' must be the id of the user to absorb, of the form "
                    + ProfileIds.FORM + (from == null ? "" : ", not " + JsonInput.describe(from)) + ".");
        }
        if (from.textValue().equals(userId)) {
            throw ProblemException.badRequest("'from' names " + userId + " itself; a profile cannot absorb itself.");
        }
        JsonNode preferNode = json.get("prefer");
        MergeService.Prefer prefer = MergeService.Prefer.SURVIVOR;
        if (preferNode != null && !preferNode.isNull()) {
            if (preferNode.isTextual() && preferNode.textValue().equals("from")) {
                prefer = MergeService.Prefer.FROM;
            } else if (!preferNode.isTextual() || !preferNode.textValue().equals("survivor")) {
                throw ProblemException.badRequest("'prefer' must be \"survivor\" (the default: on a conflict the "
                        + "survivor's value is kept) or \"from\", not " + JsonInput.describe(preferNode) + ".");
            }
        }
        MergeService.Merged merged = merges.merge(caller.workspaceId(), userId, from.textValue(), prefer,
                ChangeSources.of(caller, label));
        Done done = new Done(merged.mergeId(), userId, from.textValue(), prefer.value(), "merged",
                merged.createdAt(), merged.survivorVersion(), merged.undoableUntil(), merged.releasedKeys());
        return HttpResponse.ok(new MergeAnswer(done, merged.profile()))
                .header(HttpHeaders.ETAG, "\"" + merged.profile().version() + "\"");
    }

    /**
     * The merges a profile took part in, newest first. An absorbed id lists its own (it took part in the merge that
     * absorbed it), so a client holding an old id finds the merge; an id with none that names no profile is a 404
     * (an alias then answers 308, as every endpoint does).
     */
    @Get("/identify/{userId}/merges")
    @RequiresScope(Scope.PROFILES_READ)
    public Page<MergeSummary> forProfile(Caller caller, @PathVariable String userId, PageRequest paging) {
        ProfileIds.require(userId);
        Listing.Request request = listing.request(caller.workspaceId(), "/identify/" + userId + "/merges",
                Map.of(), paging);
        List<MergeSummary> rows = merges.forProfile(caller.workspaceId(), userId, request.after(),
                request.limit() + 1);
        if (rows.isEmpty() && request.after() == null && profiles.get(caller.workspaceId(), userId).isEmpty()) {
            throw ProblemException.notFound("No user with id " + userId + " exists in this workspace.");
        }
        return request.page(rows, MergeSummary::id, m -> m);
    }

    @Get("/merges/{mergeId}")
    @RequiresScope(Scope.PROFILES_READ)
    public MergeRecord get(Caller caller, @PathVariable String mergeId) {
        requireMergeId(mergeId);
        return merges.find(caller.workspaceId(), mergeId)
                .orElseThrow(() -> ProblemException.notFound("No merge with id " + mergeId + " exists in this workspace."));
    }

    @Post(uri = "/merges/{mergeId}/undo", consumes = "*/*")
    @RequiresScope(Scope.PROFILES_WRITE)
    public UndoAnswer undo(Caller caller, @PathVariable String mergeId,
                           @Nullable @Header(ChangeSources.HEADER) String label) {
        requireMergeId(mergeId);
        MergeService.Undone undone = merges.undo(caller.workspaceId(), mergeId, ChangeSources.of(caller, label));
        MergeRecord record = merges.find(caller.workspaceId(), mergeId).orElse(undone.merge());
        return new UndoAnswer(record, undone.survivor(), undone.absorbed());
    }


    private static void requireMergeId(String id) {
        if (!MERGE_ID.matcher(id).matches()) {
            // Checked before the query: an id with U+0000 would otherwise fail in PostgreSQL as a 500.
            String shown = id.replace('\u0000', '?');
            throw ProblemException.badRequest("'" + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown)
                    + "' is not a merge id; ids have the form " + MERGE_ID.pattern() + ".");
        }
    }
}
