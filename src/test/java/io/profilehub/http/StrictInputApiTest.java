package io.profilehub.http;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bodies are decoded strictly: no lone surrogates, CESU-8 or overlong UTF-8, no numbers that overflow, no content
 * encodings the service does not decode; query strings the URI parser refuses are a 400, not a 401.
 */
@MicronautTest(transactional = false)
class StrictInputApiTest extends ServiceTest {
    private String id;

    @BeforeAll
    void createTheProfileTheWritesAimAt() {
        Api.Response r = api().post("/identify", "{\"identifiers\":{\"email\":\"kim@example.com\"}}");
        assertEquals(201, r.status(), r.body());
        id = r.json().path("id").asText();
    }

    /** Each JSON endpoint with a valid body that has a slot for the bad part: a traits value, or the key name. */
    private List<String[]> endpoints() {
        return List.of(
                new String[]{"/identify", "{\"identifiers\":{\"email\":\"kim@example.com\",\"k\":%s}}"},
                new String[]{"/identify/" + id, "{\"traits\":{\"k\":%s}}"},
                new String[]{"/track/" + id, "{\"traits\":{\"k\":%s}}"},
                new String[]{"/identify/batch", "[{\"identifiers\":{\"email\":\"kim@example.com\"},\"traits\":{\"k\":%s}}]"},
                new String[]{"/admin/api-keys", "{\"name\":%s,\"scopes\":[\"admin\"]}"},
                new String[]{"/erasures", "{\"userIds\":[%s]}"});
    }

    @Test
    void loneSurrogatesCesu8AndOverlongUtf8AreRefusedEverywhere() {
        List<byte[]> values = List.of(
                ascii("\"a\\ud800b\""),                 // lone high surrogate as an escape
                ascii("\"a\\udc00b\""),                 // lone low surrogate
                ascii("\"a\\udc00\\ud800b\""),          // a pair in the wrong order
                bytes("\"kim", 0xC1, 0x80, "example.com\""), // overlong '@'
                bytes("\"a", 0xC0, 0xAE, "b\""),        // overlong '.'
                bytes("\"a", 0xE0, 0x80, 0xAE, "b\""),  // three-byte overlong '.'
                bytes("\"a", 0xED, 0xA0, 0x80, "b\""),  // CESU-8 surrogate
                bytes("\"a", 0xFF, "b\""));             // never valid in UTF-8
        for (String[] endpoint : endpoints()) {
            for (byte[] value : values) {
                assertRefused(endpoint[0], fill(endpoint[1], value), null, 400);
            }
        }
        // Keys as well as values.
        assertRefused("/identify", ascii("{\"identifiers\":{\"email\":\"kim@example.com\",\"a\\ud800b\":1}}"), null, 400,
                "surrogate");
        assertRefused("/track/" + id, bytes("{\"traits\":{\"a", 0xC0, 0xAE, "b\":1}}"), null, 400, "UTF-8");
        // A proper pair (an emoji) is fine.
        Api.Response ok = post("/track/" + id, ascii("{\"traits\":{\"smile\":\"\\ud83d\\ude00\"}}"), null);
        assertEquals(200, ok.status(), ok.body());
        assertEquals("\ud83d\ude00", ok.json().path("traits").path("smile").asText());
    }

    @Test
    void numbersWhoseExponentOverflowsAreA400() {
        for (String[] endpoint : endpoints()) {
            for (String n : List.of("1e2147483648", "1e-2147483649", "-1E99999999999999999999")) {
                assertRefused(endpoint[0], fill(endpoint[1], ascii(n)), null, 400);
            }
        }
    }

    @Test
    void gzipAndDeflateAreDecodedAndCorruptOnesAreA400() throws IOException {
        byte[] body = ascii("{\"traits\":{\"zipped\":\"yes\"}}");
        Api.Response gz = post("/track/" + id, gzip(body), "gzip");
        assertEquals(200, gz.status(), gz.body());
        assertEquals("yes", gz.json().path("traits").path("zipped").asText());
        Api.Response df = post("/track/" + id, deflate(ascii("{\"traits\":{\"zipped\":\"deflate\"}}")), "deflate");
        assertEquals(200, df.status(), df.body());
        assertEquals("deflate", df.json().path("traits").path("zipped").asText());

        for (String[] endpoint : endpoints()) {
            byte[] plain = fill(endpoint[1], ascii("\"x\""));
            assertRefused(endpoint[0], plain, "gzip", 400, "gzip");
            assertRefused(endpoint[0], plain, "deflate", 400, "deflate");
            byte[] zipped = gzip(plain);
            assertRefused(endpoint[0], java.util.Arrays.copyOf(zipped, zipped.length / 2), "gzip", 400);
        }
    }

    @Test
    void unsupportedContentEncodingsAreA415() {
        byte[] body = ascii("{\"traits\":{\"k\":1}}");
        for (String encoding : List.of("br", "compress", "zstd", "x-unknown", "gzip, br")) {
            assertRefused("/track/" + id, body, encoding, 415, "Content-Encoding");
        }
        Api.Response identity = post("/track/" + id, body, "identity");
        assertEquals(200, identity.status(), identity.body());
    }

    @Test
    void decompressedBodiesAreBoundedLikePlainOnes() throws IOException {
        // 3 MiB of spaces inside a valid document compress to a few kilobytes.
        byte[] huge = ("{\"traits\":{\"k\":1}" + " ".repeat(3 * 1024 * 1024) + "}").getBytes(StandardCharsets.US_ASCII);
        byte[] zipped = gzip(huge);
        assertTrue(zipped.length < 64 * 1024);
        assertRefused("/track/" + id, zipped, "gzip", 413);
    }

    @Test
    void queryCharactersTheUriParserRefusesAreA400NotA401() throws IOException {
        for (String query : List.of("email=%22a%22", "email=\"a\"", "a={b}", "x=a|b", "email=%zz", "name.last=%", "k=%u00e9")) {
            String response = rawGet("/identify?" + query);
            String statusLine = response.lines().findFirst().orElse("");
            assertTrue(statusLine.startsWith("HTTP/1.1 400") || (query.equals("email=%22a%22") && statusLine.startsWith("HTTP/1.1 200")),
                    query + " → " + response);
            if (statusLine.startsWith("HTTP/1.1 400")) {
                assertTrue(response.toLowerCase().contains("content-type: application/problem+json"), response);
                assertTrue(response.contains("query") || response.contains("URI") || response.contains("URL"), response);
            }
        }
        // Without a key the answer stays 401: the URI is not read before authentication fails.
        String anonymous = rawGet("/identify?x=a|b", null);
        assertTrue(anonymous.startsWith("HTTP/1.1 401") || anonymous.startsWith("HTTP/1.1 400"), anonymous);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private String rawGet(String target) throws IOException {
        return rawGet(target, adminKey);
    }

    private String rawGet(String target, String key) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            String request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n"
                    + (key == null ? "" : "Authorization: Bearer " + key + "\r\n") + "Connection: close\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Api.Response post(String path, byte[] body, String encoding) {
        HttpRequest.Builder request = api().builder(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        return api().send(request);
    }

    private void assertRefused(String path, byte[] body, String encoding, int status, String... hints) {
        String before = Rows.footprint(workspace);
        Api.Response r = post(path, body, encoding);
        String what = "POST " + path + " " + (encoding == null ? "" : "(" + encoding + ") ")
                + new String(body, 0, Math.min(body.length, 120), StandardCharsets.ISO_8859_1);
        try {
            assertProblem(r, status, hints);
        } catch (AssertionError e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
        assertEquals(before, Rows.footprint(workspace), what + " wrote something");
    }

    private static byte[] fill(String template, byte[] value) {
        int at = template.indexOf("%s");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii(template.substring(0, at)));
        out.writeBytes(value);
        out.writeBytes(ascii(template.substring(at + 2)));
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Text and raw byte values (given as ints) in order. */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(ascii(s));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream df = new DeflaterOutputStream(out)) {
            df.write(data);
        }
        return out.toByteArray();
    }
}
