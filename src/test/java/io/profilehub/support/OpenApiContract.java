package io.profilehub.support;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.Response;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * openapi/profilehub.yaml as a test oracle: checks real requests and responses against it and remembers which
 * documented responses (operation and status) the tests have seen, so the spec can't promise what no test showed.
 */
public final class OpenApiContract {
    public static final Path SPEC = Path.of("openapi", "profilehub.yaml");

    /** One exchange as sent and answered; the request body is kept because java.net.http can't give it back. */
    public record Exchange(String method, String pathAndQuery, String requestBody, Map<String, String> requestHeaders,
                           Api.Response response) {
    }

    private final String yaml;
    private final OpenAPI api;
    private final List<String> parseMessages;
    private final OpenApiInteractionValidator validator;
    private final Set<String> exercised = new TreeSet<>();

    public OpenApiContract() {
        try {
            yaml = Files.readString(SPEC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(yaml, null, options);
        api = parsed.getOpenAPI();
        parseMessages = parsed.getMessages() == null ? List.of() : List.copyOf(parsed.getMessages());
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(yaml).build();
    }

    public OpenAPI api() {
        return api;
    }

    /** What the parser found wrong with the document itself (empty for a valid OpenAPI 3.0 document). */
    public List<String> parseMessages() {
        return parseMessages;
    }

    /** Every documented response as "METHOD /template STATUS". */
    public Set<String> documented() {
        Set<String> all = new TreeSet<>();
        api.getPaths().forEach((template, item) -> item.readOperationsMap().forEach((method, operation) ->
                operation.getResponses().keySet().forEach(status -> all.add(method + " " + template + " " + status))));
        return all;
    }

    public Set<String> exercised() {
        return exercised;
    }

    /**
     * Checks the response (status documented for the operation, content type, headers, body schema) and, for a
     * success, the request too: whatever the service accepted, the spec must accept. Returns the violations.
     */
    public List<String> violations(Exchange exchange) {
        List<String> violations = new ArrayList<>();
        Api.Response r = exchange.response();
        URI uri = URI.create(exchange.pathAndQuery());
        String template = template(uri.getRawPath());
        if (template == null) {
            violations.add("no path of the spec matches " + uri.getRawPath());
            return violations;
        }
        ValidationReport report = validator.validateResponse(uri.getRawPath(),
                Request.Method.valueOf(exchange.method()), response(r));
        if (r.status() < 300) {
            report = report.merge(validator.validateRequest(request(exchange, uri)));
        }
        report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .forEach(m -> violations.add(m.getKey() + ": " + m.getMessage()));
        String contentType = r.header("Content-Type");
        if (contentType != null && contentType.startsWith("application/problem+json") && r.json() != null
                && r.json().path("status").asInt() != r.status()) {
            violations.add("problem document says status " + r.json().path("status") + " but the answer is " + r.status());
        }
        exercised.add(exchange.method() + " " + template + " " + r.status());
        return violations;
    }

    /** Validates a response that was never sent (to prove the checks can fail). */
    public List<String> violations(String method, String path, Response response) {
        List<String> violations = new ArrayList<>();
        validator.validateResponse(path, Request.Method.valueOf(method), response).getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .forEach(m -> violations.add(m.getKey() + ": " + m.getMessage()));
        return violations;
    }

    /** Checks a JSON document this service sends (not answers), such as a webhook body, against a component schema. */
    public List<String> schemaViolations(String schemaName, String json) {
        com.atlassian.oai.validator.schema.SchemaValidator schemas = new com.atlassian.oai.validator.schema.SchemaValidator(
                api, new com.atlassian.oai.validator.report.MessageResolver());
        io.swagger.v3.oas.models.media.Schema<?> schema = new io.swagger.v3.oas.models.media.Schema<>()
                .$ref("#/components/schemas/" + schemaName);
        List<String> violations = new ArrayList<>();
        schemas.validate(json, schema, schemaName).getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .forEach(m -> violations.add(m.getKey() + ": " + m.getMessage()));
        return violations;
    }

    /** The spec's path template that a concrete path falls under, or null. */
    public String template(String path) {
        for (Map.Entry<String, PathItem> entry : api.getPaths().entrySet()) {
            String regex = Pattern.quote(entry.getKey()).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
            if (path.matches(regex)) {
                return entry.getKey();
            }
        }
        return null;
    }

    public Operation operation(String method, String template) {
        return api.getPaths().get(template).readOperationsMap().get(PathItem.HttpMethod.valueOf(method));
    }

    public static Response response(Api.Response r) {
        SimpleResponse.Builder b = SimpleResponse.Builder.status(r.status());
        r.raw().headers().map().forEach(b::withHeader);
        r.raw().headers().firstValue("Content-Type").ifPresent(b::withContentType);
        if (!r.body().isEmpty()) {
            b.withBody(r.body());
        }
        return b.build();
    }

    private static Request request(Exchange exchange, URI uri) {
        SimpleRequest.Builder b = new SimpleRequest.Builder(exchange.method(), uri.getRawPath());
        exchange.requestHeaders().forEach(b::withHeader);
        if (exchange.requestBody() != null && !exchange.requestBody().isEmpty()) {
            b.withBody(exchange.requestBody());
        }
        String query = uri.getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                b.withQueryParam(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
            }
        }
        return b.build();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
