package dev.switchboard.client;

import dev.switchboard.protocol.Ops;
import dev.switchboard.protocol.json.JsonMessageDecoder;
import dev.switchboard.protocol.json.ProtocolJson;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

/**
 * Reads one server message. The common one, a reply with an integer id and a flat result (every
 * lock operation's: {@code {"op":"reply","id":7,"result":{"status":"acquired","token":"…","lease_ms":30000}}}),
 * is read with the streaming parser into a {@link Reply} without building a JSON tree; anything
 * else (handshake, events, errors, nested results, or a field order other than the server's) is
 * parsed again from the start as a tree, by the shared decoder, with its checks and messages.
 */
final class ServerMessageDecoder {
    /** A reply read on the fast path. */
    record Reply(long id, Answer result) {
    }

    private static final JsonMessageDecoder TREES = JsonMessageDecoder.toTrees();

    private ServerMessageDecoder() {
    }

    /**
     * The message in {@code length} bytes of {@code buf} from {@code from} (one line, not blank):
     * a {@link Reply}, a {@link tools.jackson.databind.JsonNode}, or a
     * {@link dev.switchboard.protocol.json.MalformedMessage} saying what is wrong with it.
     */
    static Object decode(ByteBuf buf, int from, int length) {
        Reply reply = FlatReplyScanner.scan(buf, from, length);
        if (reply != null) {
            return reply;
        }
        ByteBuf msg = buf.slice(from, length);
        reply = flatReply(msg);
        return reply != null ? reply : TREES.parse(msg);
    }

    /** The message as a flat reply, or null when it is anything else (the buffer is left unread). */
    static Reply flatReply(ByteBuf msg) {
        // Events and other messages are told apart by their first bytes, so they are parsed once.
        if (!FlatReplyScanner.startsWithReply(msg)) {
            return null;
        }
        byte[] bytes = ByteBufUtil.getBytes(msg, msg.readerIndex(), msg.readableBytes(), false);
        // A bare parser: the mapper's would set up a deserialization context per message. The
        // strict checks it would apply are done here (a repeated key fails Answer.add, trailing
        // content is looked for below), or by the tree decoder this falls back to.
        try (JsonParser p = ProtocolJson.MAPPER.tokenStreamFactory().createParser(ObjectReadContext.empty(), bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT
                    || !"op".equals(p.nextName()) || p.nextToken() != JsonToken.VALUE_STRING || !Ops.REPLY.equals(p.getString())
                    || !"id".equals(p.nextName()) || p.nextToken() != JsonToken.VALUE_NUMBER_INT
                    || p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG) {
                return null;
            }
            long id = p.getLongValue();
            if (!"result".equals(p.nextName()) || p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Answer result = Answer.flat();
            for (String name = p.nextName(); name != null; name = p.nextName()) {
                JsonToken t = p.nextToken();
                Object value;
                if (t == JsonToken.VALUE_STRING) {
                    value = p.getString();
                } else if (t == JsonToken.VALUE_NUMBER_INT
                        && (p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG)) {
                    value = p.getLongValue();
                } else {
                    return null;
                }
                if (!result.add(name, value)) {
                    return null;
                }
            }
            // The result's end; then the message's, and nothing after it.
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            msg.skipBytes(msg.readableBytes());
            return new Reply(id, result);
        } catch (JacksonException e) {
            return null; // the tree decoder reports what is wrong with it
        }
    }
}
