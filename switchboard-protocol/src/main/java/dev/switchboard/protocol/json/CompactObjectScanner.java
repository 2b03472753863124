package dev.switchboard.protocol.json;

import dev.switchboard.protocol.Ops;
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
 * of every request.
 */
final class CompactObjectScanner {
    private final CompactJsonReader in;

    private CompactObjectScanner(byte[] bytes, int offset, int length) {
        this.in = new CompactJsonReader(bytes, offset, length);
    }

    /** The object's fields in order, or null when the message is not a flat object in the compact form. */
    static Map<String, Object> scan(byte[] bytes, int offset, int length) {
        return new CompactObjectScanner(bytes, offset, length).object();
    }

    private Map<String, Object> object() {
        if (in.next() != '{') {
            return null;
        }
        FlatFields fields = new FlatFields();
        boolean plain = in.fields(NAMES, name -> {
            // An op is one of a few names: read as the constant (no string built, its hash kept).
            Object value = name.equals("op") ? value(OPS) : value(CompactJsonReader.NONE_KNOWN);
            // Not plain, or a key given twice (the mapper's reason then names it).
            return value != NOT_PLAIN && fields.add(name, value);
        });
        if (!plain) {
            return null;
        }
        return in.atEnd() ? fields : null;
    }

    private static final Object NOT_PLAIN = new Object();
    /** The operations of the requests sent most often. */
    private static final String[] OPS = {Ops.LOCK_ACQUIRE, Ops.LOCK_RELEASE, Ops.LOCK_RENEW, Ops.LOCK_ENQUEUE, Ops.LOCK_WAIT,
        Ops.SEM_ACQUIRE, Ops.SEM_RELEASE, Ops.SEM_RENEW, Ops.SEM_ENQUEUE, Ops.SEM_WAIT, Ops.SIGNAL_PUBLISH, Ops.PING, Ops.PONG};
    /** The names of the fields of the common requests: read without a new string each (see {@link CompactJsonReader#string(String[])}). */
    private static final String[] NAMES = {"op", "id", "key", "token", "timeout_ms", "lease_ms", "limit", "channel", "payload"};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    private Object value(String[] knownStrings) {
        int c = in.peek();
        if (c == '"') {
            String s = in.string(knownStrings);
            return s != null ? s : NOT_PLAIN;
        }
        if (c == '-' || c >= '0' && c <= '9') {
            long v = in.signedInteger();
            // Typed as the mapper types it: Integer when it fits.
            return v == CompactJsonReader.NO_INTEGER ? NOT_PLAIN
                    : v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (Object) (int) v : (Object) v;
        }
        if (c == 't') {
            return in.skip(TRUE) ? Boolean.TRUE : NOT_PLAIN;
        }
        if (c == 'f') {
            return in.skip(FALSE) ? Boolean.FALSE : NOT_PLAIN;
        }
        if (c == 'n') {
            return in.skip(NULL) ? null : NOT_PLAIN;
        }
        return NOT_PLAIN;
    }
}
