package dev.switchboard.core.session.store;

import java.util.Map;
import java.util.Objects;

/**
 * The limits on a session's attributes, checked in one place so that every way of setting them
 * (server code, an authorised client, a restored file) agrees. Attributes are small facts about
 * the session (a user name, a role, a client version); anything larger belongs elsewhere, and
 * the limits keep a stored session and every copy of it small.
 */
public final class SessionAttributes {
    /** The most entries one session may have. */
    public static final int MAX_ENTRIES = 32;
    /** The longest key, in characters (keys are ASCII, so also in bytes). */
    public static final int MAX_KEY_LENGTH = 64;
    /** The longest value, in bytes of its UTF-8 encoding. */
    public static final int MAX_VALUE_BYTES = 1024;

    private SessionAttributes() {
    }

    /**
     * Checks a whole attribute map: at most {@link #MAX_ENTRIES} entries, each passing
     * {@link #validateEntry}.
     *
     * @throws IllegalArgumentException naming the first offending key
     * @throws NullPointerException when {@code attributes} itself is null
     */
    public static void validate(Map<String, String> attributes) {
        Objects.requireNonNull(attributes, "attributes");
        int count = 0;
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            count++;
            if (count > MAX_ENTRIES) {
                throw new IllegalArgumentException("too many attributes: more than " + MAX_ENTRIES
                        + ", at key " + describe(e.getKey()));
            }
            validateEntry(e.getKey(), e.getValue());
        }
    }

    /**
     * Checks one entry: the key is 1..{@value #MAX_KEY_LENGTH} characters of
     * {@code [A-Za-z0-9_.-]}; the value is non-null, well-formed Unicode and at most
     * {@value #MAX_VALUE_BYTES} bytes as UTF-8.
     *
     * @throws IllegalArgumentException naming the offending key
     */
    public static void validateEntry(String key, String value) {
        if (key == null) throw new IllegalArgumentException("attribute key must not be null");
        if (key.isEmpty()) throw new IllegalArgumentException("attribute key must not be empty");
        if (key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("attribute key " + describe(key) + " is longer than "
                    + MAX_KEY_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            if (!isKeyChar(key.charAt(i))) {
                throw new IllegalArgumentException("attribute key " + describe(key)
                        + " may only contain A-Z, a-z, 0-9, '_', '.' and '-'");
            }
        }
        if (value == null) throw new IllegalArgumentException("attribute " + describe(key) + " has no value");
        long bytes = utf8Length(value, MAX_VALUE_BYTES);
        if (bytes < 0) throw new IllegalArgumentException("attribute " + describe(key) + " is not valid Unicode");
        if (bytes > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("attribute " + describe(key) + " is longer than "
                    + MAX_VALUE_BYTES + " bytes as UTF-8");
        }
    }

    /** True when {@code s} has no unpaired surrogate, that is when it can be encoded as UTF-8. */
    static boolean isWellFormed(String s) {
        return utf8Length(s, Long.MAX_VALUE) >= 0;
    }

    /**
     * The UTF-8 length of {@code s}, counted without encoding it (a value may come from a client,
     * so no copy of an oversized one is made); stops early once past {@code limit}. Returns -1
     * for an unpaired surrogate.
     */
    private static long utf8Length(String s, long limit) {
        long n = 0;
        for (int i = 0; i < s.length() && n <= limit; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) return -1;
                n += 4;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return -1;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static boolean isKeyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' || c == '-';
    }

    /**
     * A key as it may safely appear in an error message: quoted, cut to the key limit, with
     * anything outside printable ASCII replaced, since a rejected key may be any client input.
     */
    static String describe(String key) {
        if (key == null) return "null";
        int end = Math.min(key.length(), MAX_KEY_LENGTH);
        StringBuilder sb = new StringBuilder(end + 5).append('\'');
        for (int i = 0; i < end; i++) {
            char c = key.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (end < key.length()) sb.append("...");
        return sb.append('\'').toString();
    }
}
