package io.profilehub.ids;

import io.profilehub.http.ProblemException;

import java.util.regex.Pattern;

/** Profile ids: {@code usr_} and 16 characters of [A-Za-z0-9] from a cryptographically secure source. */
public final class ProfileIds {
    public static final String FORM = "usr_[A-Za-z0-9]{16}";
    private static final Pattern PATTERN = Pattern.compile(FORM);

    private ProfileIds() {
    }

    public static String generate() {
        return RandomTokens.of("usr_", 16);
    }

    public static String require(String id) {
        if (id == null || !PATTERN.matcher(id).matches()) {
            throw ProblemException.badRequest("'" + abbreviate(id) + "' is not a user id; ids have the form " + FORM + ".");
        }
        return id;
    }

    public static boolean isValid(String id) {
        return id != null && PATTERN.matcher(id).matches();
    }

    private static String abbreviate(String id) {
        if (id == null) {
            return "";
        }
        String clean = id.replace('\u0000', '?');
        return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
    }
}
