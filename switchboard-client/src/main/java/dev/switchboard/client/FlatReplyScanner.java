package dev.switchboard.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Reads the server's most common message, a lock operation's reply, straight off the buffer:
 * {@code {"op":"reply","id":7,"result":{"status":"acquired","token":"…","lease_ms":30000}}},
 * exactly as the server writes it (compact, op then id then result, every value a string of
 * printable ASCII without escapes or an integer of at most 18 digits).
 *
 * <p>Why: a streaming parser per message costs its set-up (buffers from a recycler, a symbol
 * table, an input context) on every answer, and the client's CPU per answer is what limits a
 * load generator on one core. Anything that is not exactly this form returns null, and the
 * caller reads it with the parser as before, so what is accepted and every error message stay
 * the parser's: this only recognises, it never refuses.
 */
final class FlatReplyScanner {
    private static final byte[] REPLY_START = "{\"op\":\"reply\",\"id\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESULT_START = ",\"result\":{".getBytes(StandardCharsets.US_ASCII);
    /** 18 digits always fit in a long. */
    private static final int MAX_DIGITS = 18;

    /**
     * The message's bytes. A lock reply is about a hundred bytes: one bulk copy out of a direct
     * buffer costs less than a bounds and reference-count check on every byte read from it.
     */
    private final byte[] bytes;
    private final int end;
    private int at;

    private FlatReplyScanner(ByteBuf buf, int from, int length) {
        if (buf.hasArray()) {
            this.bytes = buf.array();
            this.at = buf.arrayOffset() + from;
        } else {
            this.bytes = ByteBufUtil.getBytes(buf, from, length, false);
            this.at = 0;
        }
        this.end = at + length;
    }

    /** The message as a reply, consuming it; null (the buffer untouched) when it is not in the plain form. */
    static ServerMessageDecoder.Reply scan(ByteBuf msg) {
        ServerMessageDecoder.Reply reply = scan(msg, msg.readerIndex(), msg.readableBytes());
        if (reply != null) {
            msg.skipBytes(msg.readableBytes());
        }
        return reply;
    }

    /** The message in {@code length} bytes of {@code buf} from {@code from} as a reply; null when it is not in the plain form. */
    static ServerMessageDecoder.Reply scan(ByteBuf buf, int from, int length) {
        return startsWithReply(buf, from, length) ? new FlatReplyScanner(buf, from, length).reply() : null;
    }

    /** Whether the message starts as the server starts every reply, read in place (events and the rest are not copied). */
    static boolean startsWithReply(ByteBuf msg) {
        return startsWithReply(msg, msg.readerIndex(), msg.readableBytes());
    }

    private static boolean startsWithReply(ByteBuf buf, int from, int length) {
        if (length < REPLY_START.length) {
            return false;
        }
        for (int i = 0; i < REPLY_START.length; i++) {
            if (buf.getByte(from + i) != REPLY_START[i]) {
                return false;
            }
        }
        return true;
    }

    private ServerMessageDecoder.Reply reply() {
        if (!skip(REPLY_START)) {
            return null;
        }
        long id = integer();
        if (id < 0 || !skip(RESULT_START)) {
            return null; // a negative id is not one the client sent: let the parser path decide
        }
        Answer result = Answer.flat();
        if (peek() == '}') {
            at++;
        } else {
            while (true) {
                String name = string();
                if (name == null || next() != ':') {
                    return null;
                }
                Object value;
                int c = peek();
                if (c == '"') {
                    value = string();
                } else if (c == '-' || c >= '0' && c <= '9') {
                    value = signedInteger();
                } else {
                    return null;
                }
                if (value == null || !result.add(name, value)) {
                    return null;
                }
                int sep = next();
                if (sep == '}') {
                    break;
                }
                if (sep != ',') {
                    return null;
                }
            }
        }
        if (next() != '}' || at != end) {
            return null;
        }
        return new ServerMessageDecoder.Reply(id, result);
    }

    private int peek() {
        return at < end ? bytes[at] : -1;
    }

    private int next() {
        return at < end ? bytes[at++] : -1;
    }

    private boolean skip(byte[] expected) {
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
    private String string() {
        if (next() != '"') {
            return null;
        }
        int start = at;
        while (at < end) {
            byte b = bytes[at];
            if (b == '"') {
                String s = new String(bytes, start, at - start, StandardCharsets.ISO_8859_1);
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

    private Long signedInteger() {
        boolean negative = peek() == '-';
        if (negative) {
            at++;
        }
        long v = integer();
        return v < 0 ? null : negative ? -v : v;
    }

    /** A JSON integer without sign (no leading zero, at most 18 digits); -1 when there is none. */
    private long integer() {
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
}
