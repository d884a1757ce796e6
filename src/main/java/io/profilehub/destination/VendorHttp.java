package io.profilehub.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.BeanContext;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpAttributes;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.BlockingHttpClient;
import io.micronaut.http.client.DefaultHttpClientConfiguration;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.HttpClientConfiguration;
import io.micronaut.http.client.HttpClientRegistry;
import io.micronaut.http.client.LoadBalancer;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The vendor calls of every connector and the engine's one reading of vendor answers: 2xx delivered; 401/403
 * pause; 408, 429 and 5xx retry (with Retry-After); any other 4xx is permanent; no answer at all retries.
 * <p>
 * Each destination gets its own Micronaut HTTP client ({@link #client}), built from its settings: requests and
 * connections time out after its {@code timeout}, and its pool keeps up to {@code concurrency} keep-alive HTTP/1.1
 * connections, as many as its workers send on at once. The client comes from the application's client registry,
 * so the registered client filters apply to it: with metrics on, every call is timed as {@code http.client.requests}
 * tagged {@code serviceId=<destination>} and {@code uri=<path>} (never the query, which may carry a token). Calls
 * block the outbox worker that makes them, never a Netty event loop. The clients close when the application stops.
 */
@Singleton
public class VendorHttp {
    private static final Logger LOG = LoggerFactory.getLogger(VendorHttp.class);
    private static final int EXCERPT = 2000;
    private static final ObjectMapper FIELDS = new ObjectMapper();
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,39}");
    /**
     * Idle pooled connections are closed after this, before the usual server-side keep-alive limits (60 s and more)
     * would close them under a request being sent.
     */
    private static final Duration IDLE = Duration.ofSeconds(30);

    public record Answer(int status, String body, Optional<String> retryAfter) {
    }

    private final HttpClientRegistry<HttpClient> registry;
    private final BeanContext beanContext;
    private final List<HttpClient> clients = new CopyOnWriteArrayList<>();
    private boolean warm;

    public VendorHttp(HttpClientRegistry<HttpClient> registry, BeanContext beanContext) {
        this.registry = registry;
        this.beanContext = beanContext;
    }

    /** A new pooled client for this destination; the connector keeps it for the life of the application. */
    public VendorClient client(DestinationSettings settings) {
        warmUp();
        HttpClient client = registry.resolveClient(null, LoadBalancer.fixed(settings.url()),
                configuration(settings.timeout(), settings.concurrency()), beanContext);
        clients.add(client);
        return new Pooled(settings.name(), client.toBlocking(), settings.timeout());
    }

    private static DefaultHttpClientConfiguration configuration(Duration timeout, int connections) {
        DefaultHttpClientConfiguration configuration = new DefaultHttpClientConfiguration();
        configuration.setConnectTimeout(timeout);
        configuration.setReadTimeout(timeout);
        configuration.setRequestTimeout(timeout);
        configuration.setConnectionPoolIdleTimeout(IDLE);
        configuration.setFollowRedirects(false);
        HttpClientConfiguration.ConnectionPoolConfiguration pool = configuration.getConnectionPoolConfiguration();
        pool.setEnabled(true);
        pool.setMaxConcurrentHttp1Connections(connections);
        return configuration;
    }

    /**
     * The first request through the application's first client loads and compiles the client's whole request path:
     * on a busy machine that took seconds, longer than a destination's timeout, so the first delivery after start-up
     * timed out after the vendor had taken it and was sent again. One request to a loopback socket of our own, before
     * the first destination's client is made, pays that at start-up instead. Nothing leaves the machine.
     */
    private synchronized void warmUp() {
        if (warm) {
            return;
        }
        warm = true;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread answer = new Thread(() -> answerOnce(socket), "vendor-http-warm-up");
            answer.setDaemon(true);
            answer.start();
            URI uri = URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":"
                    + socket.getLocalPort() + "/warm-up");
            try (HttpClient client = registry.resolveClient(null, LoadBalancer.fixed(uri),
                    configuration(Duration.ofSeconds(30), 1), beanContext)) {
                new Pooled("warm-up", client.toBlocking(), Duration.ofSeconds(30))
                        .post(uri, Map.of(), "{}".getBytes(StandardCharsets.US_ASCII));
            }
        } catch (Exception e) {
            LOG.debug("The HTTP client's warm-up request failed; the first delivery will be slower", e);
        }
    }

    /** Reads one request (headers and a Content-Length body) and answers 204. */
    private static void answerOnce(ServerSocket socket) {
        try (Socket connection = socket.accept()) {
            connection.setSoTimeout(30_000);
            InputStream in = connection.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
            }
            Matcher length = Pattern.compile("(?i)content-length:\\s*(\\d+)").matcher(head);
            in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
            connection.getOutputStream().write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            LOG.debug("The HTTP client's warm-up answer failed", e);
        }
    }

    /** A destination's client: blocking calls on the caller's thread, answers of any status read whole. */
    private record Pooled(String destination, BlockingHttpClient client, Duration timeout) implements VendorClient {
        private static final Argument<byte[]> BYTES = Argument.of(byte[].class);

        @Override
        public Answer post(URI uri, Map<String, String> headers, byte[] body) {
            MutableHttpRequest<byte[]> request = HttpRequest.POST(uri, body)
                    .contentType(MediaType.APPLICATION_JSON_TYPE)
                    .header("User-Agent", "ProfileHub/0.1");
            headers.forEach(request::header);
            request.setAttribute(HttpAttributes.SERVICE_ID, destination);
            request.setAttribute(HttpAttributes.URI_TEMPLATE, uri.getRawPath());
            HttpResponse<?> response;
            try {
                response = client.exchange(request, BYTES, BYTES);
            } catch (HttpClientResponseException errorStatus) {
                // Every status is an answer to classify, not an exception.
                response = errorStatus.getResponse();
            }
            Charset charset = response.getContentType().flatMap(MediaType::getCharset).orElse(StandardCharsets.UTF_8);
            String text = response.getBody(byte[].class).map(b -> new String(b, charset)).orElse("");
            return new Answer(response.code(), text, response.getHeaders().findFirst("Retry-After"));
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

    /** The retry outcome of a request that got no answer: why, without the exception's message (it may hold a URL). */
    public static Outcome failure(Exception e, Duration timeout) {
        if (e instanceof InterruptedException || cause(e, InterruptedException.class) != null
                || Thread.currentThread().isInterrupted()) {
            Thread.currentThread().interrupt();
            return Outcome.retry(0, "interrupted while sending (shutting down)", null);
        }
        if (e instanceof ReadTimeoutException || cause(e, io.netty.handler.timeout.TimeoutException.class) != null) {
            return Outcome.retry(0, "no answer within " + timeout.toMillis() + " ms", null);
        }
        if (cause(e, ConnectException.class) != null) {
            return Outcome.retry(0, "connection refused or unreachable", null);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return Outcome.retry(0, "network error: " + root.getClass().getSimpleName(), null);
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
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
        for (HttpClient client : clients) {
            try {
                client.close();
            } catch (Exception e) {
                LOG.debug("Closing a vendor client failed", e);
            }
        }
    }
}
