package io.profilehub.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads request bodies ourselves so every way a body can be wrong gets a precise 4xx, and checks the limits the
 * store promises: nesting at most 32 levels, keys at most 256 characters, no U+0000 anywhere. Bodies must be strict
 * UTF-8 (no overlong forms, no encoded surrogates) and may not spell lone surrogates with \\u escapes either: a
 * lenient decoder turns such bytes into '?' or into the character they imitate, which silently alters the value.
 */
public final class JsonInput {
    public static final int MAX_DEPTH = 32;
    public static final int MAX_KEY_LENGTH = 256;
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    /*
     * Stored numbers come back from jsonb written out in full (1e999 as a 1 and 999 zeros) and are parsed with
     * Jackson's default limit on digits; past it the profile could be written but not read. This is far inside
     * PostgreSQL's own numeric range (131072 digits before the point, 16383 after).
     */
    public static final int MAX_NUMBER_DIGITS = StreamReadConstraints.defaults().getMaxNumberLength();

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION.mappedFeature())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** Netty decompresses these before the body reaches a controller; anything else would be read as plain text. */
    private static final Set<String> DECODED_ENCODINGS = Set.of("gzip", "x-gzip", "deflate", "x-deflate");

    private JsonInput() {
    }

    /**
     * Refuses a Content-Encoding the server does not decode (415), rather than parsing compressed bytes as JSON.
     * One coding of gzip or deflate (identity aside) is supported; stacked codings are not.
     */
    public static void requireSupportedEncoding(HttpRequest<?> request) {
        int codings = 0;
        for (String header : request.getHeaders().getAll(HttpHeaders.CONTENT_ENCODING)) {
            for (String part : header.split(",")) {
                String coding = part.trim().toLowerCase(Locale.ROOT);
                if (coding.isEmpty() || coding.equals("identity")) {
                    continue;
                }
                codings++;
                if (!DECODED_ENCODINGS.contains(coding) || codings > 1) {
                    throw new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                            "Content-Encoding " + printable(header) + " is not supported; send the body uncompressed, "
                                    + "or compressed once with gzip or deflate.");
                }
            }
        }
    }

    public static void requireJsonContentType(HttpRequest<?> request) {
        String type = request.getHeaders().get(HttpHeaders.CONTENT_TYPE);
        String base = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase();
        if (!base.equals("application/json") && !(base.startsWith("application/") && base.endsWith("+json"))) {
            throw new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                    "Content-Type must be application/json" + (type == null ? " (none was sent)." : ", not " + type + "."));
        }
    }

    public static JsonNode parse(HttpRequest<?> request, byte[] body, int maxBytes) {
        requireJsonContentType(request);
        if (body == null || body.length == 0) {
            throw ProblemException.badRequest("The request body is empty; send a JSON document.");
        }
        if (body.length > maxBytes) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "payload-too-large",
                    "The request body is " + body.length + " bytes; this endpoint accepts at most " + maxBytes + ".");
        }
        requireSupportedEncoding(request);
        String text = decodeUtf8(body);
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw ProblemException.badRequest("The request body is empty; send a JSON document.");
            }
            requireWellFormedText(node);
            return node;
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (NumberFormatException | ArithmeticException e) {
            // Jackson reports an exponent beyond an int (1e2147483648) this way, not as a parse error.
            throw ProblemException.badRequest("The request body holds a number out of range (" + printable(
                    String.valueOf(e.getMessage())) + "); numbers may have at most " + MAX_NUMBER_DIGITS
                    + " digits when written out in full.");
        } catch (IOException e) {
            throw ProblemException.badRequest("The request body could not be read as JSON.");
        }
    }

    /** Strict UTF-8: overlong forms (C0 AE), encoded surrogates (ED A0 80) and stray bytes are refused, not replaced. */
    static String decodeUtf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(body.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw ProblemException.badRequest("The request body is not valid UTF-8: byte " + in.position()
                    + " starts an invalid sequence (overlong forms and encoded surrogates are refused too).");
        }
        out.flip();
        return out.toString();
    }

    /**
     * Every string and key must be valid Unicode: a \\u escape of half a surrogate pair (or a pair in the wrong
     * order) names no character, and would be stored as '?'.
     */
    private static void requireWellFormedText(JsonNode root) {
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    if (hasLoneSurrogate(field.getKey())) {
                        throw loneSurrogate("A key");
                    }
                    pending.push(field.getValue());
                }
            } else if (node.isArray()) {
                node.forEach(pending::push);
            } else if (node.isTextual() && hasLoneSurrogate(node.textValue())) {
                throw loneSurrogate("A string");
            }
        }
    }

    private static ProblemException loneSurrogate(String what) {
        return ProblemException.badRequest(what + " in the request body contains an unpaired UTF-16 surrogate "
                + "(such as \\ud800 without its low half), which is no character and cannot be stored.");
    }

    public static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String printable(String s) {
        String clean = s.replace('\u0000', '?');
        return clean.length() > 80 ? clean.substring(0, 80) + "…" : clean;
    }

    public static ObjectNode parseObject(HttpRequest<?> request, byte[] body) {
        JsonNode node = parse(request, body, MAX_BODY_BYTES);
        if (!node.isObject()) {
            throw ProblemException.badRequest("The request body must be a JSON object, not " + describe(node) + ".");
        }
        return (ObjectNode) node;
    }

    /** Returns the member as an object, null when absent or null, or refuses any other type. */
    public static ObjectNode optionalObject(ObjectNode body, String field, String where) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw ProblemException.badRequest("'" + where + field + "' must be a JSON object, not " + describe(value) + ".");
        }
        checkLimits(where + field, value, 1);
        return (ObjectNode) value;
    }

    public static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case OBJECT -> "an object";
            default -> "a " + node.getNodeType().name().toLowerCase();
        };
    }

    private static void checkLimits(String path, JsonNode node, int depth) {
        if (depth > MAX_DEPTH) {
            throw ProblemException.badRequest("'" + path + "' is nested deeper than " + MAX_DEPTH + " levels.");
        }
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String key = field.getKey();
                if (key.length() > MAX_KEY_LENGTH) {
                    throw ProblemException.badRequest("A key in '" + path + "' is " + key.length()
                            + " characters long; keys may have at most " + MAX_KEY_LENGTH + ".");
                }
                if (key.indexOf('\u0000') >= 0) {
                    throw ProblemException.badRequest("A key in '" + path + "' contains the character U+0000, which cannot be stored.");
                }
                if (key.isEmpty()) {
                    throw ProblemException.badRequest("'" + path + "' contains an empty key.");
                }
                checkLimits(path + "." + key, field.getValue(), depth + 1);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                checkLimits(path + "[]", element, depth + 1);
            }
        } else if (node.isTextual() && node.textValue().indexOf('\u0000') >= 0) {
            throw ProblemException.badRequest("'" + path + "' contains the character U+0000, which cannot be stored.");
        } else if (node.isNumber() && !storableNumber(node.decimalValue())) {
            throw ProblemException.badRequest("'" + path + "' is a number with more digits than can be stored: at most "
                    + MAX_NUMBER_DIGITS + " when written out in full (1e999 has " + MAX_NUMBER_DIGITS + ", 1e-999 too).");
        }
    }

    /**
     * Whether a number can be stored and read back: its digits, written out in full as jsonb returns them, stay
     * within {@link #MAX_NUMBER_DIGITS}. Beyond PostgreSQL's range the write itself fails ("value overflows numeric
     * format"), and beyond Jackson's the read does; either would be a 500.
     */
    public static boolean storableNumber(BigDecimal number) {
        long integerDigits = number.signum() == 0 ? 1 : Math.max(1L, (long) number.precision() - number.scale());
        long fractionDigits = Math.max(0, number.scale());
        return integerDigits + fractionDigits <= MAX_NUMBER_DIGITS;
    }
}
