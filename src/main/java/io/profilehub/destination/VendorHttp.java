package io.profilehub.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * The HTTP client every connector shares (the JDK's, HTTP/1.1 with pooled keep-alive connections), and the
 * engine's standard reading of vendor answers: 2xx delivered; 401/403 pause; 408, 429 and 5xx retry (with
 * Retry-After); any other 4xx is permanent.
 */
@Singleton
public class VendorHttp {
    private static final int EXCERPT = 2000;
    private static final ObjectMapper FIELDS = new ObjectMapper();
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,39}");

    public record Answer(int status, String body, Optional<String> retryAfter) {
    }

    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "vendor-http");
        t.setDaemon(true);
        return t;
    });
    // Built at the first request, not with the bean: building it loads the default SSL context (the trust store),
    // ~0.1-0.2 s of CPU at start-up, before any destination has anything to send.
    private volatile HttpClient client;

    public Answer post(URI uri, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "ProfileHub/0.1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        HttpResponse<String> response = client().send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), response.headers().firstValue("Retry-After"));
    }

    private HttpClient client() {
        HttpClient built = client;
        if (built == null) {
            synchronized (this) {
                built = client;
                if (built == null) {
                    built = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5))
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .executor(executor)
                            .build();
                    client = built;
                }
            }
        }
        return built;
    }

    /** Sends and classifies in one step; a network failure or timeout becomes a retry outcome. */
    public Outcome postAndClassify(URI uri, Map<String, String> headers, byte[] body, Duration timeout,
                                   String... secrets) {
        try {
            return classify(post(uri, headers, body, timeout), secrets);
        } catch (Exception e) {
            return failure(e, timeout);
        }
    }

    public static Outcome classify(Answer answer, String... secrets) {
        int status = answer.status();
        String detail = excerpt(answer.body(), secrets);
        if (status >= 200 && status < 300) {
            return Outcome.delivered(status);
        }
        if (status == 401 || status == 403) {
            return Outcome.pause(status, detail);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return Outcome.retry(status, detail, answer.retryAfter().map(VendorHttp::retryAfter).orElse(null));
        }
        return Outcome.dead(status, detail);
    }

    public static Outcome failure(Exception e, Duration timeout) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return Outcome.retry(0, "interrupted while sending (shutting down)", null);
        }
        if (e instanceof HttpTimeoutException) {
            return Outcome.retry(0, "no answer within " + timeout.toMillis() + " ms", null);
        }
        if (e instanceof ConnectException) {
            return Outcome.retry(0, "connection refused or unreachable", null);
        }
        return Outcome.retry(0, "network error: " + e.getClass().getSimpleName(), null);
    }

    /** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when unreadable. */
    public static Duration retryAfter(String value) {
        String v = value.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    /** What a vendor said, shortened, with any secret we sent blanked out. */
    public static String excerpt(String body, String... secrets) {
        if (body == null || body.isBlank()) {
            return null;
        }
        String text = redact(body, secrets);
        return text.length() > EXCERPT ? text.substring(0, EXCERPT) + "…" : text;
    }

    /**
     * What a log line may say of a vendor's answer: its length and, when it is a JSON object, the names of its
     * top-level fields (plain identifiers only, at most ten). Never a value, which may echo the profile we sent, and
     * never a character that could end the line and forge another. The answer itself stays on the event row.
     */
    public static String summary(String answer) {
        if (answer == null || answer.isEmpty()) {
            return "nothing";
        }
        StringBuilder summary = new StringBuilder().append(answer.length()).append(" characters");
        List<String> fields = new ArrayList<>();
        try {
            JsonNode json = FIELDS.readTree(answer);
            if (json != null && json.isObject()) {
                json.fieldNames().forEachRemaining(name -> {
                    if (fields.size() < 10 && FIELD_NAME.matcher(name).matches()) {
                        fields.add(name);
                    }
                });
            }
        } catch (IOException notJson) {
            // length only
        }
        if (!fields.isEmpty()) {
            summary.append(", JSON fields ").append(String.join(", ", fields));
        }
        return summary.toString();
    }

    public static String redact(String text, String... secrets) {
        String result = text;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                result = result.replace(secret, "[REDACTED]");
            }
        }
        return result;
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
