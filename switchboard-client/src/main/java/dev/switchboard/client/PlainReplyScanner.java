package dev.switchboard.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads the plainest form of the server's commonest message straight from the buffer's bytes: a
 * reply whose result is a flat object of ASCII strings without escapes and of integers, written
 * without whitespace, as the server writes every lock answer:
 * {@code {"op":"reply","id":7,"result":{"status":"acquired","token":"…","lease_ms":30000}}}.
 *
 * <p>Why not the streaming parser: creating one per message (its input bootstrap, buffers and
 * symbol table) cost more than the rest of reading such a reply, on the client's one I/O thread,
 * which is the busiest thread of a lock benchmark. Anything this does not recognise byte for byte
 * (an escape, a non-ASCII or control byte, whitespace, a decimal, a leading zero, a number longer
 * than a long is sure to hold, true/false/null, a nested value, a repeated or missing key,
 * trailing bytes) gets null and goes to the streaming parser, which accepts or refuses it with its
 * own checks, so what the client accepts is unchanged.
 */
final class PlainReplyScanner {
    private static final byte[] REPLY_START = "{\"op\":\"reply\",\"id\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESULT_START = ",\"result\":{".getBytes(StandardCharsets.US_ASCII);
    // 18 digits always fit in a long; longer numbers go to the parser, which knows the exact limit.
    private static final int MAX_DIGITS = 18;

    private final ByteBuf buf;
    private int at;
    private final int end;

    private PlainReplyScanner(ByteBuf buf) {
        this.buf = buf;
        this.at = buf.readerIndex();
        this.end = buf.writerIndex();
    }

    /** The reply, or null when {@code msg} is not in the plain form (the buffer is left unread). */
    static ServerMessageDecoder.Reply scan(ByteBuf msg) {
        ServerMessageDecoder.Reply reply = new PlainReplyScanner(msg).reply();
        if (reply != null) {
            msg.skipBytes(msg.readableBytes());
        }
        return reply;
    }

    private ServerMessageDecoder.Reply reply() {
        if (!skip(REPLY_START)) {
            return null;
        }
        long id = integer();
        if (id < 0 || !skip(RESULT_START)) {
            return null;
        }
        Answer result = Answer.flat();
        if (peek() == '}') {
            at++;
        } else {
            for (;;) {
                String name = string();
                if (name == null || next() != ':') {
                    return null;
                }
                Object value;
                int c = peek();
                if (c == '"') {
                    value = string();
                } else if (c == '-') {
                    at++;
                    long n = integer();
                    value = n < 0 ? null : -n;
                } else {
                    long n = integer();
                    value = n < 0 ? null : n;
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
        // The message's own end, and nothing after it.
        if (next() != '}' || at != end) {
            return null;
        }
        return new ServerMessageDecoder.Reply(id, result);
    }

    private boolean skip(byte[] expected) {
        if (end - at < expected.length) {
            return false;
        }
        for (byte b : expected) {
            if (buf.getByte(at++) != b) {
                return false;
            }
        }
        return true;
    }

    private int peek() {
        return at < end ? buf.getByte(at) : -1;
    }

    private int next() {
        return at < end ? buf.getByte(at++) : -1;
    }

    /** A non-negative integer in plain JSON form, or -1 (a leading zero, too long, or no digit). */
    private long integer() {
        int start = at;
        long n = 0;
        while (at < end) {
            int c = buf.getByte(at);
            if (c < '0' || c > '9') {
                break;
            }
            n = n * 10 + (c - '0');
            at++;
        }
        int digits = at - start;
        if (digits == 0 || digits > MAX_DIGITS || digits > 1 && buf.getByte(start) == '0') {
            return -1;
        }
        return n;
    }

    /** A string of printable ASCII without escapes, or null. */
    private String string() {
        if (next() != '"') {
            return null;
        }
        int start = at;
        while (at < end) {
            int c = buf.getByte(at);
            if (c == '"') {
                String s = buf.toString(start, at - start, StandardCharsets.US_ASCII);
                at++;
                return s;
            }
            if (c < 0x20 || c == '\\' || c > 0x7e) { // getByte is signed: non-ASCII bytes are negative
                return null;
            }
            at++;
        }
        return null;
    }
}
