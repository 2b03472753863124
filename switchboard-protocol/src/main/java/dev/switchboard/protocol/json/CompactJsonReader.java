package dev.switchboard.protocol.json;

import java.nio.charset.StandardCharsets;

/**
 * A cursor over JSON in its compact form, for a scanner that reads a common message without a
 * parser (the Java client's, for replies; the server's {@link CompactObjectScanner} for requests
 * reads its bytes in one loop of its own, the cheaper way for the names it expects).
 * It recognises only plain values: strings of printable ASCII without escapes, whole numbers of
 * at most 18 digits; every method says "not plain" (null, -1 or false) rather than refusing, and
 * the caller then leaves the message to the parser.
 */
public final class CompactJsonReader {
    /** 18 digits always fit in a long. */
    private static final int MAX_DIGITS = 18;

    private final byte[] bytes;
    private final int end;
    private int at;

    /** Reads {@code length} bytes of {@code bytes} from {@code offset}. */
    public CompactJsonReader(byte[] bytes, int offset, int length) {
        this.bytes = bytes;
        this.at = offset;
        this.end = offset + length;
    }

    /** The next byte without taking it; -1 at the end. */
    public int peek() {
        return at < end ? bytes[at] : -1;
    }

    /** Takes the next byte; -1 at the end. */
    public int next() {
        return at < end ? bytes[at++] : -1;
    }

    /** Where the cursor is: the index in the array of the next byte. */
    public int position() {
        return at;
    }

    public boolean atEnd() {
        return at == end;
    }

    /** Takes {@code expected} when the bytes at the cursor are exactly it; else false (the cursor may have moved). */
    public boolean skip(byte[] expected) {
        if (end - at < expected.length) {
            return false;
        }
        for (byte b : expected) {
            if (bytes[at++] != b) {
                return false;
            }
        }
        return true;
    }

    /** A string of printable ASCII without escapes; null for anything else. */
    public String string() {
        return string(NONE_KNOWN);
    }

    /** For {@link #string(String[])}: no string known in advance. */
    public static final String[] NONE_KNOWN = {};

    /**
     * As {@link #string()}, but when the string is one of {@code known} that very instance is
     * returned instead of a new one: field names read this way cost no allocation, and a lookup
     * by a constant name then finds them by identity, with their hash already computed.
     */
    public String string(String[] known) {
        if (next() != '"') {
            return null;
        }
        int start = at;
        while (at < end) {
            byte b = bytes[at];
            if (b == '"') {
                String s = knownOrNew(known, start, at - start);
                at++;
                return s;
            }
            if (b == '\\' || b < 0x20 || b == 0x7f) { // an escape, a control byte, or (as a negative byte) non-ASCII
                return null;
            }
            at++;
        }
        return null;
    }

    private String knownOrNew(String[] known, int start, int length) {
        for (String k : known) {
            if (k.length() == length && sameBytes(k, start)) {
                return k;
            }
        }
        return new String(bytes, start, length, StandardCharsets.ISO_8859_1);
    }

    /** Whether the ASCII string {@code k} is the bytes from {@code start} (as long as it). */
    private boolean sameBytes(String k, int start) {
        for (int i = 0; i < k.length(); i++) {
            if (bytes[start + i] != k.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Reads one field's value, the cursor on its first byte; false when it is not one the caller takes. */
    public interface FieldValue {
        boolean read(String name);
    }

    /**
     * The fields of an object whose {@code {} was taken: each {@code "name":} (a name among
     * {@code knownNames} comes as that very instance), then {@code value} reads what follows,
     * up to and including the closing {@code }}. False when the object is not in the compact form
     * or {@code value} refuses a field.
     */
    public boolean fields(String[] knownNames, FieldValue value) {
        if (peek() == '}') {
            at++;
            return true;
        }
        while (true) {
            String name = string(knownNames);
            if (name == null || next() != ':' || !value.read(name)) {
                return false;
            }
            int sep = next();
            if (sep == '}') {
                return true;
            }
            if (sep != ',') {
                return false;
            }
        }
    }

    /** A JSON integer without sign (no leading zero, at most 18 digits, not a decimal); -1 when there is none. */
    public long unsignedInteger() {
        int start = at;
        long v = 0;
        while (at < end) {
            int c = bytes[at];
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
            at++;
        }
        int digits = at - start;
        if (digits == 0 || digits > MAX_DIGITS || digits > 1 && bytes[start] == '0') {
            return -1;
        }
        int c = peek();
        if (c == '.' || c == 'e' || c == 'E') {
            return -1; // a decimal: not an integer value
        }
        return v;
    }

    /** A JSON integer with an optional minus sign; null when there is none (see {@link #unsignedInteger}). */
    public Long integer() {
        long v = signedInteger();
        return v == NO_INTEGER ? null : v;
    }

    /** What {@link #signedInteger} returns when there is no integer: never a value (at most 18 digits). */
    public static final long NO_INTEGER = Long.MIN_VALUE;

    /** As {@link #integer}, unboxed: {@link #NO_INTEGER} when there is none. */
    public long signedInteger() {
        boolean negative = peek() == '-';
        if (negative) {
            at++;
        }
        long v = unsignedInteger();
        return v < 0 ? NO_INTEGER : negative ? -v : v;
    }
}
