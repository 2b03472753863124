package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;

/**
 * Writes the plainest JSON — names and string values of printable ASCII without quote or backslash,
 * whole numbers — straight into a buffer, byte for byte as the streaming generator writes it. A
 * lock request (op, id, key, timeout, lease, token) and its reply are nothing else, and making a
 * generator for each one (its context, its recycled buffers, its output stream) cost more than
 * writing its hundred bytes. Whoever writes with this checks {@link #isPlain} first and leaves
 * anything else to the generator ({@link JsonWritable#writeCompact}).
 */
public final class CompactJson {
    private CompactJson() {
    }

    /** True when {@code s} is written as its own bytes: printable ASCII, no {@code "} and no {@code \}. */
    public static boolean isPlain(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** {@code ,"name":"value"}: both plain (see {@link #isPlain}). */
    public static void stringField(ByteBuf out, String name, String value) {
        name(out, name);
        string(out, value);
    }

    /** {@code ,"name":123}: a plain name and a whole number. */
    public static void numberField(ByteBuf out, String name, long value) {
        name(out, name);
        number(out, value);
    }

    /** {@code value} in decimal, as {@link Long#toString(long)} spells it. */
    public static void number(ByteBuf out, long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                out.writeCharSequence(Long.toString(value), java.nio.charset.StandardCharsets.US_ASCII);
                return;
            }
            out.writeByte('-');
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        int at = out.writerIndex() + digits;
        out.ensureWritable(digits);
        for (int i = 1; i <= digits; i++) {
            out.setByte(at - i, (int) ('0' + value % 10));
            value /= 10;
        }
        out.writerIndex(at);
    }

    /** {@code "value"}: plain (see {@link #isPlain}). */
    public static void string(ByteBuf out, String value) {
        out.writeByte('"');
        out.writeCharSequence(value, java.nio.charset.StandardCharsets.US_ASCII);
        out.writeByte('"');
    }

    /**
     * Ends an object whose fields were written from {@code fieldsStart}, each with its leading
     * comma: the first comma becomes the opening brace ({@code {}} when none was written).
     */
    public static void endObject(ByteBuf out, int fieldsStart) {
        if (out.writerIndex() == fieldsStart) {
            out.writeByte('{');
        } else {
            out.setByte(fieldsStart, '{');
        }
        out.writeByte('}');
    }

    /** {@code ,"name":}: what comes before a field's value. */
    public static void name(ByteBuf out, String name) {
        out.writeByte(',');
        out.writeByte('"');
        out.writeCharSequence(name, java.nio.charset.StandardCharsets.US_ASCII);
        out.writeByte('"');
        out.writeByte(':');
    }
}
