package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Writes the plainest JSON — names and string values of printable ASCII without quote or backslash,
 * whole numbers — byte for byte as the streaming generator writes it. A lock request (op, id, key,
 * timeout, lease, token) and its reply are nothing else, and making a generator for each one (its
 * context, its recycled buffers, its output stream) cost more than writing its hundred bytes.
 * Whoever writes with this checks {@link #isPlain} first and leaves anything else to the generator
 * ({@link JsonWritable#writeCompact}).
 *
 * <p>The bytes go into an array and reach the outgoing buffer in one copy ({@link #writeTo}):
 * a store into an array costs about a nanosecond, a single byte written through a pooled direct
 * buffer's bounds checks and indirections several times that, which for a message of a hundred
 * bytes was most of its encoding.
 */
public final class CompactJson {
    private byte[] bytes;
    private int size;

    /** An empty message with room for a lock request or reply. */
    public CompactJson() {
        bytes = new byte[128];
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

    /** How many bytes are written so far: where the next one goes. */
    public int position() {
        return size;
    }

    /** Forgets what was written from {@code position} on. */
    public void truncate(int position) {
        if (position < 0 || position > size) {
            throw new IndexOutOfBoundsException("position " + position + " of " + size);
        }
        size = position;
    }

    /** {@code ,"name":"value"}: both plain (see {@link #isPlain}). */
    public void stringField(String name, String value) {
        name(name);
        string(value);
    }

    /** {@code ,"name":123}: a plain name and a whole number. */
    public void numberField(String name, long value) {
        name(name);
        number(value);
    }

    /** {@code value} in decimal, as {@link Long#toString(long)} spells it. */
    public void number(long value) {
        if (value == Long.MIN_VALUE) {
            ascii(Long.toString(value));
            return;
        }
        boolean negative = value < 0;
        if (negative) {
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        // Room for what is written, no more: a grant's reply fills most of the first array, and
        // asking for a long's 20 digits at its end made every grant past id 999 copy it into one twice as big.
        room(digits + 1);
        if (negative) {
            bytes[size++] = '-';
        }
        int end = size + digits;
        for (int at = end - 1; at >= size; at--) {
            bytes[at] = (byte) ('0' + value % 10);
            value /= 10;
        }
        size = end;
    }

    /** {@code "value"}: plain (see {@link #isPlain}). */
    public void string(String value) {
        room(value.length() + 2);
        bytes[size++] = '"';
        ascii(value);
        bytes[size++] = '"';
    }

    /**
     * Ends an object whose fields were written from {@code fieldsStart}, each with its leading
     * comma: the first comma becomes the opening brace ({@code {}} when none was written).
     */
    public void endObject(int fieldsStart) {
        room(2);
        if (size == fieldsStart) {
            bytes[size++] = '{';
        } else {
            bytes[fieldsStart] = '{';
        }
        bytes[size++] = '}';
    }

    /** {@code ,"name":}: what comes before a field's value. */
    public void name(String name) {
        room(name.length() + 4);
        bytes[size++] = ',';
        bytes[size++] = '"';
        ascii(name);
        bytes[size++] = '"';
        bytes[size++] = ':';
    }

    /** One byte as it is (a line's end, say). */
    public void rawByte(int b) {
        room(1);
        bytes[size++] = (byte) b;
    }

    /** Appends everything written to {@code out}, in one copy. */
    public void writeTo(ByteBuf out) {
        out.writeBytes(bytes, 0, size);
    }

    /** What is written so far, as text (for tests and messages). */
    @Override
    public String toString() {
        return new String(bytes, 0, size, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * The characters of an ASCII string as its bytes. {@code String.getBytes(int, int, byte[], int)}
     * keeps each character's low byte, which for ASCII is the byte, and copies a Latin-1 string's
     * array in one go: a loop of {@code charAt} cost most of a lock reply's encoding.
     */
    @SuppressWarnings("deprecation")
    private void ascii(String s) {
        int n = s.length();
        room(n);
        s.getBytes(0, n, bytes, size);
        size += n;
    }

    private void room(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
