package dev.switchboard.client;

import dev.switchboard.protocol.json.CompactJsonReader;
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

    /** The names and string values of lock results, read without a new string each (see {@link CompactJsonReader#string(String[])}). */
    private static final String[] NAMES = {"status", "token", "lease_ms"};
    private static final String[] STATUSES = {"acquired", "released", "renewed", "queued", "timeout"};

    private final CompactJsonReader in;

    /**
     * A lock reply is about a hundred bytes: one bulk copy out of a direct buffer costs less than a
     * bounds and reference-count check on every byte read from it.
     */
    private FlatReplyScanner(ByteBuf buf, int from, int length) {
        this.in = buf.hasArray()
                ? new CompactJsonReader(buf.array(), buf.arrayOffset() + from, length)
                : new CompactJsonReader(ByteBufUtil.getBytes(buf, from, length, false), 0, length);
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
        // One byte tells a reply from the other messages ('r' of "reply", where an event has the
        // first letter of its op); the whole start is checked on the copy, which a reply needs anyway.
        if (length < REPLY_START.length || buf.getByte(from + OP_LETTER) != REPLY_START[OP_LETTER]) {
            return null;
        }
        return new FlatReplyScanner(buf, from, length).reply();
    }

    /** Where the op's first letter is in {@link #REPLY_START}. */
    private static final int OP_LETTER = "{\"op\":\"".length();

    /** Whether the message starts as the server starts every reply, read in place (events and the rest are not copied). */
    static boolean startsWithReply(ByteBuf msg) {
        if (msg.readableBytes() < REPLY_START.length) {
            return false;
        }
        for (int i = 0; i < REPLY_START.length; i++) {
            if (msg.getByte(msg.readerIndex() + i) != REPLY_START[i]) {
                return false;
            }
        }
        return true;
    }

    private ServerMessageDecoder.Reply reply() {
        if (!in.skip(REPLY_START)) {
            return null;
        }
        long id = in.unsignedInteger();
        if (id < 0 || !in.skip(RESULT_START)) {
            return null; // a negative id is not one the client sent: let the parser path decide
        }
        Answer result = Answer.flat();
        boolean plain = in.fields(NAMES, name -> {
            int c = in.peek();
            Object value = c == '"' ? in.string(STATUSES) : c == '-' || c >= '0' && c <= '9' ? in.integer() : null;
            return value != null && result.add(name, value);
        });
        if (!plain) {
            return null;
        }
        if (in.next() != '}' || !in.atEnd()) {
            return null;
        }
        return new ServerMessageDecoder.Reply(id, result);
    }
}
