package dev.switchboard.protocol.json;

import dev.switchboard.protocol.Ops;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads a flat JSON object in its compact form — no whitespace, names and strings of printable
 * ASCII without escapes, whole numbers of at most 18 digits, true, false, null — straight off its
 * bytes, the way clients write lock requests. Anything else returns null and goes to
 * {@link FlatRequestParser}, then to the mapper, so what is accepted and every refusal stay theirs:
 * this only recognises. The values are typed as the mapper types them (Integer when the number
 * fits an int, else Long); the fields come as a {@link FlatFields}, in their order.
 *
 * <p>Why: the streaming parser's set-up per message (a recycled buffer, a symbol table, an input
 * context) cost more than reading a hundred bytes of a lock request, on the server's critical path
 * of every request. And why one loop over the bytes, the known names recognised by their first
 * letter and compared whole where they stand (no search for each closing quote, whose
 * mispredicted branches were most of the cost), rather than the general {@link CompactJsonReader}
 * with a callback per field: in one JVM, in turns, that took 412-500 ns per lock request on a
 * warm CPU, this 216-280 (docs/benchmarks.md, "Native lock path, ninth pass").
 */
final class CompactObjectScanner {
    private final byte[] bytes;
    private final int end;
    private int at;

    private CompactObjectScanner(byte[] bytes, int offset, int length) {
        this.bytes = bytes;
        this.at = offset;
        this.end = offset + length;
    }

    /** The object's fields in order, or null when the message is not a flat object in the compact form. */
    static Map<String, Object> scan(byte[] bytes, int offset, int length) {
        return new CompactObjectScanner(bytes, offset, length).object();
    }

    private Map<String, Object> object() {
        if (at >= end || bytes[at++] != '{') {
            return null;
        }
        FlatFields fields = new FlatFields();
        if (at < end && bytes[at] == '}') {
            return ++at == end ? fields : null;
        }
        while (true) {
            String name = name();
            if (name == null) {
                return null;
            }
            // An op is one of a few names: read as the constant (no string built, its hash kept).
            // Known names are the constants themselves, so identity tells "op" apart.
            Object value = value(name == OP);
            // Not plain, or a key given twice (the mapper's reason then names it).
            if (value == NOT_PLAIN || !fields.add(name, value) || at >= end) {
                return null;
            }
            byte separator = bytes[at++];
            if (separator == '}') {
                return at == end ? fields : null;
            }
            if (separator != ',') {
                return null;
            }
        }
    }

    private static final Object NOT_PLAIN = new Object();
    private static final String OP = "op";

    /** {@code "name":}, the cursor then on the value; null when it is not a plain name followed by a colon. */
    private String name() {
        String known = knownName();
        if (known != null) {
            at += known.length() + 3;
            return known;
        }
        int start = at + 1;
        int close = closingQuote();
        if (close < 0 || close + 1 >= end || bytes[close + 1] != ':') {
            return null;
        }
        at = close + 2;
        return latin1(start, close - start);
    }

    /**
     * Where the plain string at the cursor ends (its closing quote), or -1 when the cursor is not on
     * a string of printable ASCII without escapes.
     */
    private int closingQuote() {
        if (at >= end || bytes[at] != '"') {
            return -1;
        }
        for (int i = at + 1; i < end; i++) {
            byte b = bytes[i];
            if (b == '"') {
                return i;
            }
            if (b == '\\' || b < 0x20 || b == 0x7f) { // an escape, a control byte, or (as a negative byte) non-ASCII
                return -1;
            }
        }
        return -1;
    }

    /**
     * The name of a field of the common requests at the cursor, as the constant (see
     * {@link FlatFields}), when the cursor is on exactly {@code "name":}; else null. Told apart by
     * the first letter, then compared whole: no search for the closing quote.
     */
    private String knownName() {
        if (end - at < 5) {
            return null;
        }
        switch (bytes[at + 1]) {
            case 'o':
                return quoted(OP, ':');
            case 'i':
                return quoted("id", ':');
            case 'k':
                return quoted("key", ':');
            case 't':
                return bytes[at + 2] == 'o' ? quoted("token", ':') : quoted("timeout_ms", ':');
            case 'l':
                return bytes[at + 2] == 'e' ? quoted("lease_ms", ':') : quoted("limit", ':');
            case 'c':
                return quoted("channel", ':');
            case 'p':
                return quoted("payload", ':');
            default:
                return null;
        }
    }

    /** {@code text} when the cursor is on {@code "text"} followed by {@code after}; else null. */
    private String quoted(String text, char after) {
        int n = text.length();
        return end - at >= n + 3 && bytes[at + n + 2] == after && isQuoted(text) ? text : null;
    }

    /** Whether the cursor is on {@code "text"}. */
    private boolean isQuoted(String text) {
        int n = text.length();
        return end - at >= n + 2 && bytes[at] == '"' && bytes[at + n + 1] == '"' && is(text, at + 1);
    }

    /** The operations of the requests sent most often. */
    private static final String[] OPS = {Ops.LOCK_ACQUIRE, Ops.LOCK_RELEASE, Ops.LOCK_RENEW, Ops.LOCK_ENQUEUE, Ops.LOCK_WAIT,
        Ops.SEM_ACQUIRE, Ops.SEM_RELEASE, Ops.SEM_RENEW, Ops.SEM_ENQUEUE, Ops.SEM_WAIT, Ops.SIGNAL_PUBLISH, Ops.PING, Ops.PONG};

    /** The op at the cursor when it is one of {@link #OPS}, the cursor then past it; else null. */
    private String knownOp() {
        for (String op : OPS) {
            if (isQuoted(op)) {
                at += op.length() + 2;
                return op;
            }
        }
        return null;
    }

    /** Whether the bytes from {@code start} are the ASCII {@code text} (the caller checked there are as many). */
    private boolean is(String text, int start) {
        for (int i = 0, n = text.length(); i < n; i++) {
            if (bytes[start + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String latin1(int start, int length) {
        return new String(bytes, start, length, StandardCharsets.ISO_8859_1);
    }

    private Object value(boolean op) {
        if (at >= end) {
            return NOT_PLAIN;
        }
        byte c = bytes[at];
        if (c == '"') {
            String known = op ? knownOp() : null;
            if (known != null) {
                return known;
            }
            int start = at + 1;
            int close = closingQuote();
            if (close < 0) {
                return NOT_PLAIN;
            }
            at = close + 1;
            return latin1(start, close - start);
        }
        if (c == '-' || c >= '0' && c <= '9') {
            return number();
        }
        if (c == 't') {
            return word("true") ? Boolean.TRUE : NOT_PLAIN;
        }
        if (c == 'f') {
            return word("false") ? Boolean.FALSE : NOT_PLAIN;
        }
        if (c == 'n') {
            return word("null") ? null : NOT_PLAIN;
        }
        return NOT_PLAIN;
    }

    private boolean word(String w) {
        if (end - at < w.length() || !is(w, at)) {
            return false;
        }
        at += w.length();
        return true;
    }

    /** A JSON integer, read by {@link CompactJsonReader}'s rules (at most 18 digits), typed as the mapper types it. */
    private Object number() {
        CompactJsonReader digits = new CompactJsonReader(bytes, at, end - at);
        long v = digits.signedInteger();
        if (v == CompactJsonReader.NO_INTEGER) {
            return NOT_PLAIN;
        }
        at = digits.position();
        return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (Object) (int) v : (Object) v;
    }
}
