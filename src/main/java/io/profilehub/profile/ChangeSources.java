package io.profilehub.profile;

import io.profilehub.auth.Caller;
import io.profilehub.http.ProblemException;
import io.profilehub.outbox.ChangeLogWriter;

/**
 * Who caused a profile write, for the change log: the API key, and the optional label the client gives in
 * {@code X-ProfileHub-Source} (e.g. "signup-form", "crm-import"). A label is shown back in histories, so one
 * that would have to be altered to be shown safely is refused rather than changed.
 */
public final class ChangeSources {
    public static final String HEADER = "X-ProfileHub-Source";
    public static final int MAX_LABEL_LENGTH = 100;

    private ChangeSources() {
    }

    public static ChangeLogWriter.Source of(Caller caller, String label) {
        return new ChangeLogWriter.Source(caller.keyId(), caller.keyName(), label(label));
    }

    /** The header's value trimmed; null when absent or blank. */
    static String label(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String label = header.strip();
        int length = label.codePointCount(0, label.length());
        if (length > MAX_LABEL_LENGTH) {
            throw ProblemException.badRequest(HEADER + " is " + length + " characters long; send at most "
                    + MAX_LABEL_LENGTH + ".");
        }
        for (int i = 0; i < label.length(); ) {
            int cp = label.codePointAt(i);
            int type = Character.getType(cp);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE) {
                throw ProblemException.badRequest(HEADER + " contains the control or format character U+"
                        + String.format("%04X", cp) + " at position " + (label.codePointCount(0, i) + 1)
                        + "; send printable text only.");
            }
            i += Character.charCount(cp);
        }
        return label;
    }
}
