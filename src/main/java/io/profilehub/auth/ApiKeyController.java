package io.profilehub.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.core.annotation.Nullable;
import io.profilehub.http.JsonInput;
import io.profilehub.http.Listing;
import io.profilehub.http.Page;
import io.profilehub.http.PageRequest;
import io.profilehub.http.ProblemException;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Key management within the caller's own workspace. */
@Controller("/admin/api-keys")
@RequiresScope(Scope.ADMIN)
public class ApiKeyController {
    /* Every id is key_ and 16 random letters or digits (V16 gave the older hash-derived ids random ones). */
    private static final Pattern KEY_ID = Pattern.compile("key_[A-Za-z0-9]{16}");

    private final ApiKeys apiKeys;
    private final Listing listing;

    public ApiKeyController(ApiKeys apiKeys, Listing listing) {
        this.apiKeys = apiKeys;
        this.listing = listing;
    }

    @Post(consumes = "*/*")
    public HttpResponse<CreatedApiKey> create(Caller caller, HttpRequest<?> request, @Nullable @Body byte[] body) {
        ObjectNode json = JsonInput.parseObject(request, body);
        JsonNode name = json.get("name");
        if (name == null || !name.isTextual() || name.textValue().isBlank() || name.textValue().length() > 200) {
            throw ProblemException.badRequest("'name' must be a non-empty string of at most 200 characters.");
        }
        if (name.textValue().indexOf('\u0000') >= 0) {
            // PostgreSQL text cannot hold U+0000: the insert would fail as a 500.
            throw ProblemException.badRequest("'name' contains the character U+0000, which cannot be stored.");
        }
        JsonNode scopesNode = json.get("scopes");
        if (scopesNode == null || !scopesNode.isArray() || scopesNode.isEmpty()) {
            throw ProblemException.badRequest("'scopes' must be a non-empty array of: profiles:read, "
                    + "profiles:write, profiles:delete, profiles:export, admin.");
        }
        Set<String> scopes = new LinkedHashSet<>();
        for (JsonNode scope : scopesNode) {
            if (!scope.isTextual() || Scope.of(scope.textValue()).isEmpty()) {
                throw ProblemException.badRequest("Unknown scope " + scope + "; use profiles:read, profiles:write, "
                        + "profiles:delete, profiles:export or admin.");
            }
            scopes.add(scope.textValue());
        }
        // A key that could grant more than it holds would let an admin-only key read and erase profiles.
        List<String> lacking = scopes.stream().filter(scope -> !caller.scopes().contains(scope)).sorted().toList();
        if (!lacking.isEmpty()) {
            throw new ProblemException(HttpStatus.FORBIDDEN, "forbidden", "This API key can grant only scopes it "
                    + "holds; it lacks " + String.join(", ", lacking) + ".");
        }
        ApiKeys.IssuedKey issued = apiKeys.issue(caller.workspaceId(), name.textValue(), scopes);
        return HttpResponse.created(CreatedApiKey.of(issued));
    }

    @Get
    public Page<ApiKeyView> list(Caller caller, PageRequest paging) {
        Listing.Request listing = this.listing.request(caller.workspaceId(), "/admin/api-keys", Map.of(), paging);
        return listing.page(apiKeys.list(caller.workspaceId(), listing.after(), listing.limit() + 1), ApiKey::id,
                ApiKeyView::of);
    }

    @Delete("/{id}")
    public HttpResponse<?> revoke(Caller caller, @PathVariable String id) {
        if (!KEY_ID.matcher(id).matches()) {
            // Checked before the query: an id with U+0000 would otherwise fail in PostgreSQL as a 500.
            String shown = id.replace('\u0000', '?');
            throw ProblemException.badRequest("'" + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown)
                    + "' is not an API key id; ids have the form key_[A-Za-z0-9]{16}.");
        }
        if (!apiKeys.revoke(caller.workspaceId(), id)) {
            throw ProblemException.notFound("No active API key with id " + id + " exists in this workspace.");
        }
        return HttpResponse.noContent();
    }
}
