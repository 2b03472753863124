package dev.switchboard.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The core's unit of input, independent of transport: an operation, an optional correlation id
 * and named fields (strings, numbers, booleans, lists, maps). The typed getters turn a missing or
 * malformed field into an {@link ErrorCode#INVALID_ARGUMENT} error that names the field.
 */
public final class Frame {
    public static final int MAX_KEY_BYTES = 256;

    private final String op;
    private final Object id;
    private final Map<String, Object> fields;

    public Frame(String op, Object id, Map<String, Object> fields) {
        this.op = op;
        this.id = id;
        this.fields = fields;
    }

    public String op() {
        return op;
    }

    /** The correlation id as sent (a string or a number), or null. */
    public Object id() {
        return id;
    }

    /** A field as sent, or null. */
    public Object value(String name) {
        return fields.get(name);
    }

    /** True when the field is present, even as null. */
    public boolean present(String name) {
        return fields.containsKey(name);
    }

    public boolean has(String name) {
        return fields.get(name) != null;
    }

    public String string(String name) {
        Object v = fields.get(name);
        if (v == null) throw invalid(name + " is required");
        if (!(v instanceof String s)) throw invalid(name + " must be a string");
        return s;
    }

    /** A payload field: its bytes, as the client sent them (text on today's transports). */
    public Payload payload(String name) {
        Object v = fields.get(name);
        if (v instanceof Payload p) return p;
        return Payload.ofUtf8(string(name));
    }

    public String optionalString(String name, String fallback) {
        return has(name) ? string(name) : fallback;
    }

    /** A whole number in {@code [min, max]}. */
    public long number(String name, long min, long max) {
        Object v = fields.get(name);
        if (v == null) throw invalid(name + " is required");
        long n = toLong(name, v);
        if (n < min || n > max) throw invalid(name + " must be between " + min + " and " + max + ", got " + n);
        return n;
    }

    public long optionalNumber(String name, long min, long max, long fallback) {
        return has(name) ? number(name, min, max) : fallback;
    }

    /** A lock, semaphore or channel key: 1..256 bytes of UTF-8 with no space, tab, CR or LF. */
    public String key(String name) {
        String key = string(name);
        String problem = keyError(key);
        if (problem != null) throw invalid(name + " " + problem);
        return key;
    }

    /** Null when {@code key} is acceptable, else what is wrong with it. */
    public static String keyError(String key) {
        if (key.isEmpty()) return "must not be empty";
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return "must not contain spaces, tabs or line breaks";
        }
        if (key.length() > MAX_KEY_BYTES / 3 && key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return "must be at most " + MAX_KEY_BYTES + " bytes";
        }
        return null;
    }

    private static long toLong(String name, Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger big) {
            throw invalid(name + " is out of range: " + big);
        }
        if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
            BigDecimal d = v instanceof BigDecimal bd ? bd : BigDecimal.valueOf(((Number) v).doubleValue());
            try {
                return d.longValueExact();
            } catch (ArithmeticException e) {
                throw invalid(name + " must be a whole number");
            }
        }
        throw invalid(name + " must be a number");
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_ARGUMENT, message);
    }

    @Override
    public String toString() {
        return "Frame{op=" + op + ", id=" + id + ", fields=" + fields + '}';
    }
}
