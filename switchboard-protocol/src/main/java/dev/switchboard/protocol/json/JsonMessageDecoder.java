package dev.switchboard.protocol.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.JsonNode;

/**
 * Parses each framed message (from a {@link Framing#newFramer framer}) into a JSON object: a
 * {@code Map<String, Object>} ({@link #toMaps()}, numbers as Integer, Long, BigInteger or
 * BigDecimal), a {@link JsonNode} ({@link #toTrees()}), or straight into a request
 * {@link dev.switchboard.protocol.Frame} ({@link #toFrames()}, what {@link FrameDecoder} would make of
 * the map). A message that is not one JSON object, or not a usable request when read as frames,
 * becomes a {@link MalformedMessage}; blank messages are skipped.
 */
@ChannelHandler.Sharable
public final class JsonMessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    private final Class<?> type;
    private final boolean frames;
    private final boolean envelopes;

    private JsonMessageDecoder(Class<?> type, boolean frames) {
        this(type, frames, false);
    }

    private JsonMessageDecoder(Class<?> type, boolean frames, boolean envelopes) {
        super(ByteBuf.class);
        this.type = type;
        this.frames = frames;
        this.envelopes = envelopes;
    }

    /**
     * {@link #toFrames()} for a binary framing (length-prefixed frames): a message that starts with
     * a zero byte is a {@link dev.switchboard.protocol.binary.BinaryEnvelope}, its payload raw bytes.
     */
    public static JsonMessageDecoder toFramesWithEnvelopes() {
        return new JsonMessageDecoder(Object.class, true, true);
    }

    /**
     * Requests as {@link dev.switchboard.protocol.Frame}s: what the server reads. A flat request
     * (every lock, semaphore and signal request) is read with the streaming parser straight into
     * the frame's fields; any other message goes through the mapper as with {@link #toMaps()},
     * so what is accepted and the reasons for refusing are the same.
     */
    public static JsonMessageDecoder toFrames() {
        return new JsonMessageDecoder(Object.class, true);
    }

    /** Objects as {@code Map<String, Object>}: what the server reads. */
    public static JsonMessageDecoder toMaps() {
        return new JsonMessageDecoder(Object.class, false);
    }

    /** Objects as {@link JsonNode}: what the Java client reads. */
    public static JsonMessageDecoder toTrees() {
        return new JsonMessageDecoder(JsonNode.class, false);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        if (isBlank(msg)) {
            return;
        }
        out.add(parse(msg));
    }

    /** The message as an object of this decoder's type, or a {@link MalformedMessage}. */
    public Object parse(ByteBuf msg) {
        if (envelopes && dev.switchboard.protocol.binary.BinaryEnvelope.isEnvelope(msg)) {
            Object decoded = dev.switchboard.protocol.binary.BinaryEnvelope.decode(msg);
            if (frames && decoded instanceof Map<?, ?> fields) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) fields;
                return FrameDecoder.toFrame(typed);
            }
            return decoded;
        }
        // A first byte 01 is a compact relay frame (a direct message's bytes behind a peer id).
        if (envelopes && dev.switchboard.protocol.binary.RelayFrame.isRelayFrame(msg)) {
            return dev.switchboard.protocol.binary.RelayFrame.decode(msg);
        }
        // From a byte array, not through an InputStream: the parser then reads the array in place
        // (a message is small, and a direct buffer's copy is cheaper than the stream's layers).
        byte[] bytes;
        int offset;
        int length = msg.readableBytes();
        if (msg.hasArray()) {
            bytes = msg.array();
            offset = msg.arrayOffset() + msg.readerIndex();
        } else {
            bytes = ByteBufUtil.getBytes(msg, msg.readerIndex(), length, false);
            offset = 0;
        }
        msg.skipBytes(length);
        if (frames) {
            Map<String, Object> flat = CompactObjectScanner.scan(bytes, offset, length);
            if (flat == null) {
                flat = FlatRequestParser.parse(bytes, offset, length);
            }
            if (flat != null) {
                return FrameDecoder.toFrame(flat);
            }
        }
        try {
            Object value = ProtocolJson.MAPPER.readValue(bytes, offset, length, type);
            boolean isObject = value instanceof Map<?, ?> || (value instanceof JsonNode node && node.isObject());
            if (!isObject) {
                return new MalformedMessage("a message must be a JSON object");
            }
            if (frames) {
                @SuppressWarnings("unchecked")
                Map<String, Object> fields = (Map<String, Object>) value;
                return FrameDecoder.toFrame(fields);
            }
            return value;
        } catch (StreamReadException e) {
            return new MalformedMessage(describe(e));
        } catch (JacksonException e) {
            return new MalformedMessage("malformed JSON: " + e.getOriginalMessage());
        }
    }

    private static String describe(StreamReadException e) {
        String why = e.getOriginalMessage();
        // Jackson says "Duplicate Object property"; say which rule was broken in protocol terms.
        if (why != null && why.startsWith("Duplicate ")) {
            return "malformed JSON: a key may appear only once in an object: " + why;
        }
        return "malformed JSON: " + why;
    }

    /** True when the message is only whitespace (a blank line): skipped, not an error. */
    public static boolean isBlank(ByteBuf msg) {
        return isBlank(msg, msg.readerIndex(), msg.readableBytes());
    }

    /** True when {@code length} bytes of {@code buf} from {@code from} are only whitespace. */
    public static boolean isBlank(ByteBuf buf, int from, int length) {
        for (int i = from; i < from + length; i++) {
            byte b = buf.getByte(i);
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
