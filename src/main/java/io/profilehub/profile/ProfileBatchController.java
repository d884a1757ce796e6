package io.profilehub.profile;

import io.profilehub.identity.IdentityKeys;
import io.profilehub.ids.ProfileIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;
import io.profilehub.outbox.ChangeLogWriter;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * POST /identify/batch: up to 1,000 identify or update items in one request, each answered with the status it
 * would have had alone. Only a body that is not such an array fails as a whole.
 */
@Controller
public class ProfileBatchController {
    public static final int MAX_ITEMS = 1000;
    public static final int MAX_BODY_BYTES = 2 * 1024 * 1024;
    private static final Set<String> ITEM_FIELDS = Set.of("id", "identifiers", "traits", TraitsOnce.FIELD);

    public record BatchResponse(List<ProfileBatchService.ItemResult> results) {
    }

    private final ProfileBatchService batches;
    private final IdentityKeys identityKeys;

    public ProfileBatchController(ProfileBatchService batches, IdentityKeys identityKeys) {
        this.batches = batches;
        this.identityKeys = identityKeys;
    }

    @Post(uri = "/identify/batch", consumes = "*/*")
    @RequiresScope(Scope.PROFILES_WRITE)
    public BatchResponse batch(Caller caller, HttpRequest<?> request,
                               @Nullable @Header(ChangeSources.HEADER) String sourceLabel,
                               @Nullable @Body byte[] body) {
        ChangeLogWriter.Source source = ChangeSources.of(caller, sourceLabel);
        JsonNode json = JsonInput.parse(request, body, MAX_BODY_BYTES);
        if (!json.isArray()) {
            throw ProblemException.badRequest("The request body must be a JSON array of items, not "
                    + JsonInput.describe(json) + ".");
        }
        if (json.size() > MAX_ITEMS) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "payload-too-large", "The batch has " + json.size() + " items; send at most " + MAX_ITEMS
                    + " per request.");
        }
        List<BatchPlan.Item> items = new ArrayList<>(json.size());
        for (int i = 0; i < json.size(); i++) {
            items.add(item(i, json.get(i), identityKeys));
        }
        return new BatchResponse(batches.apply(caller.workspaceId(), items, source));
    }

    /** Checks one item as POST /identify or POST /identify/{id} checks its body; a bad item carries its 400. */
    static BatchPlan.Item item(int index, JsonNode node, IdentityKeys identityKeys) {
        try {
            if (!node.isObject()) {
                throw ProblemException.badRequest("Each item must be a JSON object, not " + JsonInput.describe(node) + ".");
            }
            ObjectNode json = (ObjectNode) node;
            Iterator<String> names = json.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!ITEM_FIELDS.contains(name)) {
                    throw ProblemException.badRequest("Unknown member '" + (name.length() > 60 ? name.substring(0, 60) + "…" : name)
                            + "' in the item; expected id, identifiers, traits and traitsOnce.");
                }
            }
            String id = null;
            if (json.hasNonNull("id")) {
                JsonNode value = json.get("id");
                if (!value.isTextual()) {
                    throw ProblemException.badRequest("'id' must be a string, not " + JsonInput.describe(value) + ".");
                }
                id = ProfileIds.require(value.textValue());
            }
            ObjectNode identifiers = JsonInput.optionalObject(json, "identifiers", "");
            identityKeys.check(identifiers);
            ObjectNode traits = JsonInput.optionalObject(json, "traits", "");
            ObjectNode traitsOnce = TraitsOnce.read(json, traits);
            if (id == null && (identifiers == null || identifiers.isEmpty())) {
                throw ProblemException.badRequest("'identifiers' must be a non-empty JSON object.");
            }
            return new BatchPlan.Item(index, id, identifiers, traits, traitsOnce, null, null);
        } catch (ProblemException e) {
            return BatchPlan.Item.invalid(index, e);
        }
    }
}
