package io.profilehub.profile;

import io.profilehub.identity.IdentityKeys;
import io.profilehub.ids.ProfileIds;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.profilehub.auth.Caller;
import io.profilehub.auth.RequiresScope;
import io.profilehub.auth.Scope;
import io.profilehub.http.Page;
import io.profilehub.http.PageRequest;
import io.profilehub.http.JsonInput;
import io.profilehub.http.ProblemException;
import io.profilehub.outbox.ChangeLogWriter;

import java.util.Iterator;
import java.util.Set;

/** Attuitive's identify API: create or resolve, read, search, merge and delete profiles. */
@Controller
public class ProfileController {
    private static final Set<String> IDENTIFY_FIELDS = Set.of("identifiers", "traits", TraitsOnce.FIELD);

    private final ProfileService profiles;
    private final ProfileSearch search;
    private final IdentityKeys identityKeys;

    public ProfileController(ProfileService profiles, ProfileSearch search, IdentityKeys identityKeys) {
        this.profiles = profiles;
        this.search = search;
        this.identityKeys = identityKeys;
    }

    @Post(uri = "/identify", consumes = "*/*")
    @RequiresScope(Scope.PROFILES_WRITE)
    public HttpResponse<Profile> identify(Caller caller, HttpRequest<?> request,
                                          @Nullable @Header(ChangeSources.HEADER) String sourceLabel,
                                          @Nullable @Body byte[] body) {
        ChangeLogWriter.Source source = ChangeSources.of(caller, sourceLabel);
        ObjectNode json = JsonInput.parseObject(request, body);
        rejectUnknownFields(json, IDENTIFY_FIELDS);
        ObjectNode identifiers = JsonInput.optionalObject(json, "identifiers", "");
        if (identifiers == null || identifiers.isEmpty()) {
            throw ProblemException.badRequest("'identifiers' must be a non-empty JSON object.");
        }
        identityKeys.check(identifiers);
        ObjectNode traits = JsonInput.optionalObject(json, "traits", "");
        ObjectNode traitsOnce = TraitsOnce.read(json, traits);
        ProfileService.Identified result = profiles.identify(caller.workspaceId(), identifiers, traits, traitsOnce,
                source);
        Profile profile = result.profile();
        MutableHttpResponse<Profile> response = result.created()
                ? HttpResponse.<Profile>status(HttpStatus.CREATED).header(HttpHeaders.LOCATION, "/identify/" + profile.id())
                : HttpResponse.ok();
        return withETag(response.body(profile), profile);
    }

    @Get("/identify/{userId}")
    @RequiresScope(Scope.PROFILES_READ)
    public HttpResponse<Profile> get(Caller caller, @PathVariable String userId) {
        ProfileIds.require(userId);
        Profile profile = profiles.get(caller.workspaceId(), userId).orElseThrow(() -> notFound(userId));
        return withETag(HttpResponse.ok(profile), profile);
    }

    @Get("/identify")
    @RequiresScope(Scope.PROFILES_READ)
    public Page<Profile> search(Caller caller, HttpRequest<?> request, PageRequest page) {
        return search.search(caller.workspaceId(), "/identify", request.getUri().getRawQuery(), request.getParameters(),
                page);
    }

    @Get("/profiles")
    @RequiresScope(Scope.PROFILES_READ)
    public Page<Profile> newest(Caller caller, PageRequest page) {
        return search.newest(caller.workspaceId(), page);
    }

    @Post(uri = "/identify/{userId}", consumes = "*/*")
    @RequiresScope(Scope.PROFILES_WRITE)
    public HttpResponse<Profile> update(Caller caller, HttpRequest<?> request, @PathVariable String userId,
                                        @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
                                        @Nullable @Header(ChangeSources.HEADER) String sourceLabel,
                                        @Nullable @Body byte[] body) {
        ProfileIds.require(userId);
        ChangeLogWriter.Source source = ChangeSources.of(caller, sourceLabel);
        ObjectNode json = JsonInput.parseObject(request, body);
        rejectUnknownFields(json, IDENTIFY_FIELDS);
        ObjectNode identifiers = JsonInput.optionalObject(json, "identifiers", "");
        identityKeys.check(identifiers);
        ObjectNode traits = JsonInput.optionalObject(json, "traits", "");
        ObjectNode traitsOnce = TraitsOnce.read(json, traits);
        Profile profile = profiles.update(caller.workspaceId(), userId, identifiers, traits, traitsOnce,
                expectedVersion(ifMatch), source);
        return withETag(HttpResponse.ok(profile), profile);
    }

    @Post(uri = "/track/{userId}", consumes = "*/*")
    @RequiresScope(Scope.PROFILES_WRITE)
    public HttpResponse<Profile> track(Caller caller, HttpRequest<?> request, @PathVariable String userId,
                                       @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch,
                                       @Nullable @Header(ChangeSources.HEADER) String sourceLabel,
                                       @Nullable @Body byte[] body) {
        ProfileIds.require(userId);
        ChangeLogWriter.Source source = ChangeSources.of(caller, sourceLabel);
        ObjectNode json = JsonInput.parseObject(request, body);
        rejectUnknownFields(json, Set.of("traits"));
        ObjectNode traits = JsonInput.optionalObject(json, "traits", "");
        Profile profile = profiles.update(caller.workspaceId(), userId, null, traits, null, expectedVersion(ifMatch),
                source);
        return withETag(HttpResponse.ok(profile), profile);
    }

    static ProblemException notFound(String userId) {
        return ProblemException.notFound("No user with id " + userId + " exists in this workspace.");
    }

    private static <T> MutableHttpResponse<T> withETag(MutableHttpResponse<T> response, Profile profile) {
        return response.header(HttpHeaders.ETAG, "\"" + profile.version() + "\"");
    }

    /** If-Match carries the version as an entity tag; "*" only asks that the user exists. */
    static Long expectedVersion(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return null;
        }
        String tag = ifMatch.trim();
        if (tag.startsWith("W/")) {
            tag = tag.substring(2);
        }
        tag = tag.replace("\"", "");
        try {
            return Long.parseLong(tag);
        } catch (NumberFormatException e) {
            throw new ProblemException(HttpStatus.PRECONDITION_FAILED, "precondition-failed",
                    "If-Match " + ifMatch + " names no version of this user; send the ETag of a previous answer, such as \"3\".");
        }
    }

    /** "a", "a and b", "a, b and c". */
    private static String list(java.util.List<String> names) {
        int last = names.size() - 1;
        return last == 0 ? names.get(0) : String.join(", ", names.subList(0, last)) + " and " + names.get(last);
    }

    private static void rejectUnknownFields(ObjectNode json, Set<String> allowed) {
        Iterator<String> names = json.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ProblemException.badRequest("Unknown member '" + (name.length() > 60 ? name.substring(0, 60) + "…" : name)
                        + "' in the request body; expected " + list(allowed.stream().sorted().toList()) + ".");
            }
        }
    }
}
