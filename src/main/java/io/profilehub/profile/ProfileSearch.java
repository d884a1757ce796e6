package io.profilehub.profile;

import io.profilehub.identity.IdentityKeys;
import io.profilehub.identity.IdentityKey;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpParameters;
import io.micronaut.transaction.TransactionOperations;
import io.profilehub.http.JsonInput;
import io.profilehub.http.Listing;
import io.profilehub.http.Page;
import io.profilehub.http.PageRequest;
import io.profilehub.http.PageTokens;
import io.profilehub.http.ProblemException;
import jakarta.inject.Singleton;

import java.math.BigDecimal;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Turns the query string of {@code GET /identify} into filters and a page of profiles. */
@Singleton
public class ProfileSearch {
    private static final Pattern JSON_NUMBER = Pattern.compile("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?");

    private final TransactionOperations<Connection> tx;
    private final ProfileSearchRepository repository;
    private final IdentityKeys identityKeys;
    private final PageTokens pageTokens;
    private final Listing listing;

    public ProfileSearch(TransactionOperations<Connection> tx, ProfileSearchRepository repository,
                         IdentityKeys identityKeys, PageTokens pageTokens, Listing listing) {
        this.tx = tx;
        this.repository = repository;
        this.identityKeys = identityKeys;
        this.pageTokens = pageTokens;
        this.listing = listing;
    }

    /** {@code GET /profiles}: the workspace's profiles, newest first, paged forward. */
    public Page<Profile> newest(String workspaceId, PageRequest paging) {
        Listing.Request request = listing.request(workspaceId, "/profiles", Map.of(), paging);
        List<ProfileSearchRepository.Keyed> rows = tx.executeRead(status ->
                repository.newest(status.getConnection(), workspaceId, request.after(), request.limit() + 1));
        return request.page(rows, ProfileSearchRepository.Keyed::key, ProfileSearchRepository.Keyed::profile);
    }

    /** Search pages both ways: a page after the first also links the one before it. */
    public Page<Profile> search(String workspaceId, String path, String rawQuery, HttpParameters parameters,
                                PageRequest paging) {
        requireNames(rawQuery);
        Map<String, String> raw = new LinkedHashMap<>();
        for (String name : parameters.names()) {
            if (PageRequest.PARAMETERS.contains(name)) {
                continue;
            }
            List<String> values = parameters.getAll(name);
            if (values.size() != 1) {
                throw ProblemException.badRequest("Query parameter '" + printable(name) + "' is given "
                        + values.size() + " times; give each filter once.");
            }
            raw.put(name, values.get(0));
        }
        List<SearchFilter> filters = new ArrayList<>();
        raw.forEach((name, value) -> filters.add(filter(name, value)));
        String scope = pageTokens.scope(path, raw);
        PageTokens.Cursor cursor = pageTokens.read(paging.pageToken(), workspaceId, scope);

        int pageSize = paging.limit();
        List<Profile> rows = tx.executeRead(status ->
                repository.search(status.getConnection(), workspaceId, filters, cursor, pageSize + 1));
        boolean more = rows.size() > pageSize;
        boolean backwards = cursor != null && cursor.direction() == PageTokens.Direction.BEFORE;
        List<Profile> page;
        if (!more) {
            page = rows;
        } else {
            page = backwards ? rows.subList(1, rows.size()) : rows.subList(0, pageSize);
        }
        boolean hasNext = backwards ? !page.isEmpty() : more;
        boolean hasPrevious = backwards ? more : cursor != null && !page.isEmpty();
        String next = hasNext ? pageTokens.issue(workspaceId, scope,
                new PageTokens.Cursor(PageTokens.Direction.AFTER, page.get(page.size() - 1).id())) : null;
        String previous = hasPrevious ? pageTokens.issue(workspaceId, scope,
                new PageTokens.Cursor(PageTokens.Direction.BEFORE, page.get(0).id())) : null;
        return Page.of(page, path, raw, pageSize, paging.pageToken(), next, previous);
    }

    /**
     * The decoded parameters cannot show an empty name: Netty reads "?=1" as a parameter named "1". Every
     * "name=value" part of the raw query must have a name.
     */
    static void requireNames(String rawQuery) {
        if (rawQuery == null) {
            return;
        }
        for (String part : rawQuery.split("&", -1)) {
            if (part.startsWith("=")) {
                throw ProblemException.badRequest("The query has a parameter without a name ('" + printable(part)
                        + "'); filters are written name=value, such as email=ann@example.com.");
            }
        }
    }

    SearchFilter filter(String name, String value) {
        if (name.length() > JsonInput.MAX_KEY_LENGTH || value.length() > 4096) {
            throw ProblemException.badRequest("Query parameter '" + printable(name)
                    + "' is too long: names may have at most " + JsonInput.MAX_KEY_LENGTH
                    + " characters and values at most 4096.");
        }
        if (name.indexOf('\u0000') >= 0 || value.indexOf('\u0000') >= 0) {
            throw ProblemException.badRequest("Query parameter '" + printable(name) + "' contains U+0000, which no stored value can hold.");
        }
        String[] segments = name.split("\\.", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw ProblemException.badRequest("Query parameter '" + printable(name)
                        + "' is not a valid identifier path: use dot-separated, non-empty names such as name.last.");
            }
        }
        if (segments.length > JsonInput.MAX_DEPTH) {
            throw ProblemException.badRequest("Query parameter '" + printable(name) + "' is nested deeper than "
                    + JsonInput.MAX_DEPTH + " levels.");
        }
        if (segments.length == 1 && identityKeys.isUnique(name)) {
            // Writes store a number by its value (1e2 and 100 are "100"), so the text may name either key.
            java.util.Set<IdentityKey> keys = new java.util.LinkedHashSet<>();
            identityKeys.normalize(name, value).ifPresent(v -> keys.add(new IdentityKey(name, v)));
            BigDecimal number = JSON_NUMBER.matcher(value).matches() ? storableNumber(value) : null;
            if (number != null) {
                identityKeys.normalize(name, JsonInput.MAPPER.getNodeFactory().numberNode(number))
                        .ifPresent(v -> keys.add(new IdentityKey(name, v)));
            }
            if (!keys.isEmpty()) {
                return new SearchFilter(name, value, List.copyOf(keys), List.of());
            }
        }
        List<String> documents = new ArrayList<>();
        documents.add(nest(segments, JsonInput.MAPPER.getNodeFactory().textNode(value)));
        if (JSON_NUMBER.matcher(value).matches()) {
            BigDecimal number = storableNumber(value);
            if (number != null) {
                documents.add(nest(segments, JsonInput.MAPPER.getNodeFactory().numberNode(number)));
            }
        } else if (value.equals("true") || value.equals("false")) {
            documents.add(nest(segments, JsonInput.MAPPER.getNodeFactory().booleanNode(Boolean.parseBoolean(value))));
        }
        return new SearchFilter(name, value, null, documents);
    }

    /**
     * The number the text spells, or null when it could not be stored: no stored number can equal such a value,
     * and casting one beyond PostgreSQL's range to jsonb would fail as a 500 (as would BigDecimal itself past an
     * int exponent).
     */
    private static BigDecimal storableNumber(String value) {
        try {
            BigDecimal number = new BigDecimal(value);
            return JsonInput.storableNumber(number) ? number : null;
        } catch (NumberFormatException exponentTooLarge) {
            return null;
        }
    }

    private static String nest(String[] segments, JsonNode leaf) {
        JsonNode node = leaf;
        for (int i = segments.length - 1; i >= 0; i--) {
            ObjectNode parent = JsonInput.MAPPER.createObjectNode();
            parent.set(segments[i], node);
            node = parent;
        }
        return node.toString();
    }

    private static String printable(String s) {
        String clean = s.replace('\u0000', '?');
        return clean.length() > 60 ? clean.substring(0, 60) + "…" : clean;
    }
}
