package io.profilehub.erasure;

import io.profilehub.http.Pages;
import com.fasterxml.jackson.databind.JsonNode;
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
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;
import io.profilehub.profile.ProfileIds;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** GDPR erasure: delete a user everywhere, follow it until every destination confirms, and suppress re-creation. */
@Controller
public class ErasureController {
    private static final int MAX_BULK = 1000;
    private static final Pattern SUPPRESSION_HASH = Pattern.compile("[0-9a-f]{64}");

    private final ErasureService erasures;
    private final IdempotencyStore idempotency;
    private final TransactionOperations<Connection> tx;

    public ErasureController(ErasureService erasures, IdempotencyStore idempotency, TransactionOperations<Connection> tx) {
        this.erasures = erasures;
        this.idempotency = idempotency;
        this.tx = tx;
    }

    @Delete("/identify/{userId}")
    @RequiresScope(Scope.PROFILES_DELETE)
    public HttpResponse<?> erase(Caller caller, HttpRequest<?> request, @PathVariable String userId,
                                 @Nullable @QueryValue String suppress,
                                 @Nullable @Header("Idempotency-Key") String idempotencyKey) {
        ProfileIds.require(userId);
        boolean suppressValues = parseBoolean("suppress", suppress);
        return idempotent(caller, request, idempotencyKey, null, () -> {
            ErasureRecord record = erasures.erase(caller.workspaceId(), userId, suppressValues)
                    .orElseThrow(() -> ProblemException.notFound("No user with id " + userId + " exists in this workspace."));
            return HttpResponse.status(HttpStatus.ACCEPTED).header(HttpHeaders.LOCATION, "/erasures/" + userId)
                    .body(JsonInput.MAPPER.valueToTree(record));
        });
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
        boolean suppress = json.path("suppress").asBoolean(false);
        return idempotent(caller, request, idempotencyKey, body, () -> {
            List<Object> results = new ArrayList<>();
            for (JsonNode id : ids) {
                String userId = id.isTextual() ? id.textValue() : id.toString();
                if (!ProfileIds.isValid(userId)) {
                    results.add(Map.of("userId", userId, "status", "invalid",
                            "detail", "not a user id; ids have the form " + ProfileIds.FORM));
                    continue;
                }
                Optional<ErasureRecord> record = erasures.erase(caller.workspaceId(), userId, suppress);
                results.add(record.isPresent() ? record.get()
                        : Map.of("userId", userId, "status", "not_found", "detail", "no such user in this workspace"));
            }
            return HttpResponse.status(HttpStatus.ACCEPTED).body(JsonInput.MAPPER.valueToTree(Map.of("data", results)));
        });
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
    public Map<String, Object> list(Caller caller, @Nullable @QueryValue String status,
                                    @Nullable @QueryValue String limit, @Nullable @QueryValue String pageToken) {
        String wanted = status;
        if (wanted != null && !wanted.equals("in_progress") && !wanted.equals("completed")) {
            throw ProblemException.badRequest("'status' must be in_progress or completed.");
        }
        int size = 50;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > 100) {
                throw ProblemException.badRequest("'limit' must be a whole number from 1 to 100.");
            }
        }
        String after = null;
        if (pageToken != null) {
            try {
                after = new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                after = "";
            }
            if (!ProfileIds.isValid(after)) {
                throw ProblemException.badRequest("'pageToken' is malformed; use the nextPageToken of a previous answer.");
            }
        }
        ErasureService.Page page = erasures.open(caller.workspaceId(), wanted, after, size);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("status", status);
        return Pages.page(page.data(), size, "/erasures", query, pageToken, page.nextAfter() == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(page.nextAfter().getBytes(StandardCharsets.UTF_8)));
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
     * Replays the first answer to a request carrying the same Idempotency-Key; the same key with a different
     * request is refused rather than silently answered with another request's result.
     */
    private HttpResponse<?> idempotent(Caller caller, HttpRequest<?> request, String key, byte[] body,
                                       Supplier<HttpResponse<?>> action) {
        if (key == null || key.isBlank()) {
            return action.get();
        }
        if (key.length() > 255) {
            throw ProblemException.badRequest("Idempotency-Key may have at most 255 characters.");
        }
        String fingerprint = fingerprint(request, body);
        var stored = tx.executeRead(s -> idempotency.find(s.getConnection(), caller.workspaceId(), key));
        if (stored.isPresent()) {
            if (!stored.get().request().equals(fingerprint)) {
                throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, "idempotency-key-reused",
                        "This Idempotency-Key was already used for a different request.");
            }
            return withLocation(HttpResponse.status(HttpStatus.valueOf(stored.get().status())).body(stored.get().body()),
                    stored.get().body());
        }
        HttpResponse<?> response = action.get();
        String json = response.getBody().map(Object::toString).orElse("{}");
        tx.executeWrite(s -> {
            idempotency.save(s.getConnection(), caller.workspaceId(), key, fingerprint, response.getStatus().getCode(), json);
            return null;
        });
        return response;
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

    private static boolean parseBoolean(String name, String value) {
        if (value == null || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.isEmpty() || value.equalsIgnoreCase("true")) {
            return true;
        }
        throw ProblemException.badRequest("'" + name + "' must be true or false.");
    }
}
