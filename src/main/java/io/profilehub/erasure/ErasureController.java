package io.profilehub.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.JsonInput;
import io.profilehub.http.Listing;
import io.profilehub.http.Page;
import io.profilehub.http.PageRequest;
import io.profilehub.http.ProblemException;
import io.profilehub.ids.ProfileIds;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/** GDPR erasure: delete a user everywhere, follow it until every destination confirms, and suppress re-creation. */
@Controller
public class ErasureController {
    private static final int MAX_BULK = 1000;
    private static final Pattern SUPPRESSION_HASH = Pattern.compile("[0-9a-f]{64}");

    private final ErasureService erasures;
    private final IdempotencyStore idempotency;
    private final Listing listing;
    private final ObjectMapper objectMapper;

    public ErasureController(ErasureService erasures, IdempotencyStore idempotency, Listing listing,
                             ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
        this.erasures = erasures;
        this.idempotency = idempotency;
        this.listing = listing;
    }

    @Delete("/identify/{userId}")
    @RequiresScope(Scope.PROFILES_DELETE)
    public HttpResponse<?> erase(Caller caller, HttpRequest<?> request, @PathVariable String userId,
                                 @Nullable @Header("Idempotency-Key") String idempotencyKey) {
        ProfileIds.require(userId);
        // Read raw: binding would turn an empty "?suppress=" into no value at all.
        List<String> suppress = request.getParameters().getAll("suppress");
        if (suppress.size() > 1) {
            throw ProblemException.badRequest("'suppress' is given " + suppress.size() + " times; give it once.");
        }
        boolean suppressValues = parseBoolean("suppress", suppress.isEmpty() ? null : suppress.get(0));
        return idempotent(caller, request, idempotencyKey, null, () -> {
            ErasureRecord record = erasures.erase(caller.workspaceId(), userId, suppressValues)
                    .orElseThrow(() -> ProblemException.notFound("No user with id " + userId + " exists in this workspace."));
            return HttpResponse.status(HttpStatus.ACCEPTED).header(HttpHeaders.LOCATION, "/erasures/" + userId)
                    .body(objectMapper.valueToTree(record));
        }, UnaryOperator.identity(), UnaryOperator.identity());
    }

    @Post(uri = "/erasures", consumes = "*/*")
    @RequiresScope(Scope.PROFILES_DELETE)
    public HttpResponse<?> bulk(Caller caller, HttpRequest<?> request, @Nullable @Body byte[] body,
                                @Nullable @Header("Idempotency-Key") String idempotencyKey) {
        ObjectNode json = JsonInput.parseObject(request, body);
        JsonNode ids = json.get("userIds");
        if (ids == null || !ids.isArray() || ids.isEmpty()) {
            throw ProblemException.badRequest("'userIds' must be a non-empty array of user ids.");
        }
        if (ids.size() > MAX_BULK) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "payload-too-large",
                    "'userIds' holds " + ids.size() + " ids; one request may erase at most " + MAX_BULK + ".");
        }
        JsonNode suppressNode = json.get("suppress");
        if (suppressNode != null && !suppressNode.isBoolean()) {
            throw ProblemException.badRequest("'suppress' must be true or false (a JSON boolean), not "
                    + JsonInput.describe(suppressNode) + ".");
        }
        boolean suppress = suppressNode != null && suppressNode.booleanValue();
        return idempotent(caller, request, idempotencyKey, body, () -> {
            List<Object> results = new ArrayList<>();
            for (JsonNode id : ids) {
                String userId = id.isTextual() ? id.textValue() : id.toString();
                if (!ProfileIds.isValid(userId)) {
                    results.add(new BulkErasure.Failure(userId, "invalid",
                            "not a user id; ids have the form " + ProfileIds.FORM));
                    continue;
                }
                Optional<ErasureRecord> record = erasures.erase(caller.workspaceId(), userId, suppress);
                results.add(record.isPresent() ? record.get()
                        : new BulkErasure.Failure(userId, "not_found", "no such user in this workspace"));
            }
            return HttpResponse.status(HttpStatus.ACCEPTED).body(objectMapper.valueToTree(new BulkErasure(results)));
        }, ErasureController::withoutInvalidIds, stored -> withInvalidIds(stored, ids));
    }

    @Get("/erasures/{userId}")
    @RequiresScope(Scope.PROFILES_DELETE)
    public ErasureRecord get(Caller caller, @PathVariable String userId) {
        ProfileIds.require(userId);
        return erasures.find(caller.workspaceId(), userId)
                .orElseThrow(() -> ProblemException.notFound("No erasure of " + userId + " exists in this workspace."));
    }

    @Get("/erasures")
    @RequiresScope(Scope.ADMIN)
    public Page<ErasureRecord> list(Caller caller, @Nullable @QueryValue String status, PageRequest paging) {
        if (status != null && !status.equals("in_progress") && !status.equals("completed")) {
            throw ProblemException.badRequest("'status' must be in_progress or completed.");
        }
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("status", status);
        Listing.Request listing = this.listing.request(caller.workspaceId(), "/erasures", filters, paging);
        ErasureService.Page page = erasures.open(caller.workspaceId(), status, listing.after(), listing.limit());
        return listing.page(page.data(), page.nextAfter());
    }

    @Delete("/suppressions/{hash}")
    @RequiresScope(Scope.ADMIN)
    public HttpResponse<?> lift(Caller caller, @PathVariable String hash) {
        if (!SUPPRESSION_HASH.matcher(hash).matches()) {
            // Checked before the query: a hash with U+0000 would otherwise fail in PostgreSQL as a 500.
            String shown = hash.replace('\u0000', '?');
            throw ProblemException.badRequest("'" + (shown.length() > 70 ? shown.substring(0, 70) + "…" : shown)
                    + "' is not a suppression hash; hashes are 64 lowercase hex digits, as a 409 names them.");
        }
        erasures.lift(caller.workspaceId(), hash);
        return HttpResponse.noContent();
    }

    /**
     * Runs the action once per Idempotency-Key: the key is claimed (and committed) before the action starts, so a
     * concurrent duplicate answers 409 while the first is in flight and every later one replays its answer; the
     * same key with a different request is refused with 422. {@code stored} turns the answer into what is kept (no
     * personal data), {@code replayed} turns that back into the answer for this (identical) request.
     */
    private HttpResponse<?> idempotent(Caller caller, HttpRequest<?> request, String key, byte[] body,
                                       Supplier<HttpResponse<?>> action, UnaryOperator<JsonNode> stored,
                                       UnaryOperator<JsonNode> replayed) {
        if (key == null || key.isBlank()) {
            return action.get();
        }
        if (key.length() > 255) {
            throw ProblemException.badRequest("Idempotency-Key may have at most 255 characters.");
        }
        String workspace = caller.workspaceId();
        IdempotencyStore.Claim claim = idempotency.claim(workspace, key, fingerprint(request, body));
        if (claim instanceof IdempotencyStore.Reused) {
            throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, "idempotency-key-reused",
                    "This Idempotency-Key was already used for a different request.");
        }
        if (claim instanceof IdempotencyStore.InFlight) {
            throw new ProblemException(HttpStatus.CONFLICT, "idempotency-key-in-flight",
                    "A request with this Idempotency-Key is still being processed; retry it to get its answer.",
                    Map.of(), Map.of(HttpHeaders.RETRY_AFTER, "1"));
        }
        if (claim instanceof IdempotencyStore.Done done) {
            JsonNode answer = replayed.apply(done.body());
            return withLocation(HttpResponse.status(HttpStatus.valueOf(done.status())).body(answer), answer);
        }
        HttpResponse<?> response;
        try {
            response = action.get();
        } catch (RuntimeException | Error e) {
            idempotency.release(workspace, key);
            throw e;
        }
        JsonNode answer = response.getBody(JsonNode.class).orElse(objectMapper.createObjectNode());
        idempotency.complete(workspace, key, response.getStatus().getCode(), stored.apply(answer).toString(),
                subjects(answer));
        return response;
    }

    /** The profile ids an answer is about: erasing one of them later scrubs the record. */
    private static List<String> subjects(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.findValues("userId").forEach(v -> {
            if (v.isTextual() && ProfileIds.isValid(v.textValue())) {
                ids.add(v.textValue());
            }
        });
        return ids;
    }

    /** A bulk answer echoes invalid ids as sent (they may be emails): they are kept as null, restored on replay. */
    private static JsonNode withoutInvalidIds(JsonNode answer) {
        JsonNode copy = answer.deepCopy();
        copy.path("data").forEach(item -> {
            if (item.path("status").asText().equals("invalid")) {
                ((ObjectNode) item).putNull("userId");
            }
        });
        return copy;
    }

    private static JsonNode withInvalidIds(JsonNode stored, JsonNode ids) {
        JsonNode copy = stored.deepCopy();
        JsonNode data = copy.path("data");
        for (int i = 0; i < data.size() && i < ids.size(); i++) {
            if (data.get(i).path("status").asText().equals("invalid")) {
                JsonNode id = ids.get(i);
                ((ObjectNode) data.get(i)).put("userId", id.isTextual() ? id.textValue() : id.toString());
            }
        }
        return copy;
    }

    private static HttpResponse<?> withLocation(io.micronaut.http.MutableHttpResponse<?> response, JsonNode body) {
        if (body.has("userId")) {
            response.header(HttpHeaders.LOCATION, "/erasures/" + body.get("userId").asText());
        }
        return response;
    }

    private static String fingerprint(HttpRequest<?> request, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((request.getMethodName() + " " + request.getUri()).getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                sha.update(body);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Exactly "true" or "false": "TRUE", "yes", "1" or an empty value would be a guess about an erasure. */
    private static boolean parseBoolean(String name, String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        String shown = value.replace('\u0000', '?');
        throw ProblemException.badRequest("'" + name + "' must be true or false, not '"
                + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown) + "'.");
    }
}
