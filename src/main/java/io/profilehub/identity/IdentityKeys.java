package io.profilehub.identity;

import com.fasterxml.jackson.databind.JsonNode;
import io.profilehub.http.ProblemException;
import jakarta.inject.Singleton;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides which identifier values resolve identity. Only top-level string or number values of the configured
 * unique keys count; junk (empty or blocklisted, case-insensitively) is kept as data but never matches, so a
 * thousand users sharing "anonymous" can never be merged into one.
 *
 * <p>Normalisation, in this order, so that one person's value written two ways is one key (README "Identity"):
 * <ol>
 *   <li>numbers: the numeric value, without trailing zeros, in plain notation ({@code 100}, {@code 1e2} and
 *       {@code 100.0} are all {@code "100"}, as is the string {@code "100"});</li>
 *   <li>strings: Unicode NFKC (fullwidth {@code ＠} is {@code @}, the Kelvin sign is {@code K}, NFD is NFC);</li>
 *   <li>leading and trailing Unicode White_Space is trimmed (space, tab, line breaks, no-break and ideographic
 *       spaces);</li>
 *   <li>any control (Cc) or format (Cf: zero-width space, joiners, soft hyphen, BOM, bidi marks) character left is
 *       refused with 400 rather than silently dropped or kept as an invisible twin;</li>
 *   <li>case-insensitive keys are lower-cased locale-independently (Unicode default lower case, {@code İ} becomes
 *       {@code i̇}, not {@code i}), then NFKC again.</li>
 * </ol>
 */
@Singleton
public class IdentityKeys {
    private final List<String> uniqueKeys;
    private final Set<String> caseInsensitive;
    private final Set<String> junk;

    public IdentityKeys(IdentityConfiguration config) {
        this.uniqueKeys = config.uniqueKeys();
        this.caseInsensitive = Set.copyOf(config.caseInsensitiveKeys());
        this.junk = config.junkValues().stream().map(v -> fold(v.strip())).collect(Collectors.toSet());
    }

    public boolean isUnique(String key) {
        return uniqueKeys.contains(key);
    }

    /**
     * Refuses (400) identifiers that could be stored but not used as promised: a unique value with control or
     * format characters, and a key containing '.', which search reads as a path into nested objects.
     */
    public void check(JsonNode identifiers) {
        if (identifiers == null) {
            return;
        }
        checkKeys("identifiers", identifiers);
        for (String name : uniqueKeys) {
            JsonNode value = identifiers.get(name);
            if (value != null && !value.isNull() && !value.isTextual() && !value.isNumber()) {
                // Neither claimed nor suppressed (a claim is one value), yet stored and sent to vendors: refused. A
                // key that holds several values would have to be declared as such, and claim each.
                throw ProblemException.badRequest("'identifiers." + name + "' is " + describe(value) + ", but "
                        + name + " is a unique identifier: it takes one string or number (or null to remove it), "
                        + "which resolves the profile and claims the value. Send one value.");
            }
            if (value != null && value.isTextual()) {
                String invalid = invalidCharacter(value.textValue());
                if (invalid != null) {
                    throw ProblemException.badRequest("'identifiers." + name + "' contains " + invalid
                            + "; unique identifiers may not contain control or invisible format characters.");
                }
            }
        }
    }

    private static String describe(JsonNode value) {
        return value.isArray() ? "an array" : value.isObject() ? "an object" : "a boolean";
    }

    private static void checkKeys(String path, JsonNode node) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().indexOf('.') >= 0) {
                    String key = field.getKey().length() > 60 ? field.getKey().substring(0, 60) + "…" : field.getKey();
                    throw ProblemException.badRequest("The key '" + key + "' in '" + path + "' contains '.', which "
                            + "search reads as a step into a nested object, so it could never be found; use another "
                            + "character or nest the object.");
                }
                checkKeys(path + "." + field.getKey(), field.getValue());
            }
        } else if (node.isArray()) {
            node.forEach(element -> checkKeys(path + "[]", element));
        }
    }

    /** The unique-key values an identifiers object claims (nulls, junk, invalid values and non-scalars left out). */
    public List<IdentityKey> extract(JsonNode identifiers) {
        List<IdentityKey> keys = new ArrayList<>();
        if (identifiers == null) {
            return keys;
        }
        for (String name : uniqueKeys) {
            normalize(name, identifiers.get(name)).ifPresent(value -> keys.add(new IdentityKey(name, value)));
        }
        return keys;
    }

    /** Which unique keys a patch touches at all (set, changed or removed). */
    public List<String> touched(JsonNode patch) {
        List<String> touched = new ArrayList<>();
        if (patch != null) {
            for (String name : uniqueKeys) {
                if (patch.has(name)) {
                    touched.add(name);
                }
            }
        }
        return touched;
    }

    public Optional<String> normalize(String name, JsonNode value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            return normalize(name, value.textValue());
        }
        if (value.isNumber()) {
            return accept(name, canonicalNumber(value));
        }
        return Optional.empty();
    }

    /** The key a string value claims; empty when it is junk, blank, or holds a character {@link #check} refuses. */
    public Optional<String> normalize(String name, String raw) {
        String value = stripWhiteSpace(Normalizer.normalize(raw, Normalizer.Form.NFKC));
        if (invalidCharacter(value) != null) {
            return Optional.empty();
        }
        return accept(name, value);
    }

    private Optional<String> accept(String name, String value) {
        if (caseInsensitive.contains(name)) {
            value = fold(value);
        }
        if (value.isEmpty() || junk.contains(fold(value))) {
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /** One value, one key: 100, 1e2, 100.0 and 1.00E+2 are all "100". */
    static String canonicalNumber(JsonNode number) {
        return number.decimalValue().stripTrailingZeros().toPlainString();
    }

    private static String fold(String value) {
        return Normalizer.normalize(value.toLowerCase(Locale.ROOT), Normalizer.Form.NFKC);
    }

    /** Describes the first control or format character in the value, or null when there is none. */
    static String invalidCharacter(String value) {
        String trimmed = stripWhiteSpace(Normalizer.normalize(value, Normalizer.Form.NFKC));
        for (int i = 0; i < trimmed.length(); ) {
            int cp = trimmed.codePointAt(i);
            int type = Character.getType(cp);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE) {
                return String.format("U+%04X (%s character)", cp, type == Character.FORMAT ? "a format" : "a control");
            }
            i += Character.charCount(cp);
        }
        return null;
    }

    /** Trims Unicode White_Space at both ends: unlike String.trim(), never a control character that is not a space. */
    static String stripWhiteSpace(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isWhiteSpace(value.charAt(start))) {
            start++;
        }
        while (end > start && isWhiteSpace(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    /** The Unicode White_Space property (all of it lies in the BMP). */
    private static boolean isWhiteSpace(char c) {
        return (c >= '\u0009' && c <= '\r') || c == ' ' || c == '\u0085' || c == '\u00A0' || c == '\u1680'
                || (c >= '\u2000' && c <= '\u200A') || c == '\u2028' || c == '\u2029' || c == '\u202F'
                || c == '\u205F' || c == '\u3000';
    }
}
