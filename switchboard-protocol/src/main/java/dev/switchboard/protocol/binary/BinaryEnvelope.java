package dev.switchboard.protocol.binary;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.json.MalformedMessage;
import dev.switchboard.protocol.json.ProtocolJson;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;

/**
 * A native message whose payload is raw bytes, for the binary framings (a length-prefixed frame,
 * a WebSocket binary frame): the frame is
 *
 * <pre>
 *   0x00 | header length H (4 bytes, big-endian, unsigned) | H bytes: the message's JSON object
 *        without its payload field | the payload's bytes, to the end of the frame
 * </pre>
 *
 * A JSON message starts with {@code {} or white space, never with a zero byte, so a reader tells
 * the two apart by the first byte. The payload is {@link Payload.Kind#BINARY}: read back, the
 * message is the header's fields plus {@code payload_b64} holding those bytes (as a
 * {@link Payload}, so nothing is base64-encoded on the way), which {@link PayloadFields#read}
 * takes like any other.
 */
public final class BinaryEnvelope {
    /** The first byte of every envelope. */
    public static final byte MARKER = 0x00;
    /** The marker and the header length. */
    public static final int PREFIX_BYTES = 5;

    private BinaryEnvelope() {
    }

    /** True when the readable bytes of {@code frame} start like an envelope. */
    public static boolean isEnvelope(ByteBuf frame) {
        return frame.isReadable() && frame.getByte(frame.readerIndex()) == MARKER;
    }

    /**
     * The message an envelope holds, as the JSON decoders make it ({@code Map<String, Object>}), or
     * a {@link MalformedMessage} saying what is wrong: too short for its prefix, a header length
     * past the end of the frame, a header that is not one JSON object, or one that carries a
     * payload field of its own. Reads the whole frame.
     */
    public static Object decode(ByteBuf frame) {
        int length = frame.readableBytes();
        try {
            if (length < PREFIX_BYTES || frame.getByte(frame.readerIndex()) != MARKER) {
                return new MalformedMessage("binary envelope: a frame must hold the 0x00 marker and a 4-byte header length ("
                        + length + " bytes)");
            }
            long headerLength = frame.getUnsignedInt(frame.readerIndex() + 1);
            if (headerLength > length - PREFIX_BYTES) {
                return new MalformedMessage("binary envelope: header length " + headerLength + " is past the end of the frame ("
                        + (length - PREFIX_BYTES) + " bytes after the prefix)");
            }
            int at = frame.readerIndex() + PREFIX_BYTES;
            byte[] header = ByteBufUtil.getBytes(frame, at, (int) headerLength, false);
            Object value;
            try {
                value = ProtocolJson.MAPPER.readValue(header, Object.class);
            } catch (JacksonException e) {
                return new MalformedMessage("binary envelope: the header is not valid JSON: " + e.getOriginalMessage());
            }
            if (!(value instanceof Map<?, ?> map)) {
                return new MalformedMessage("binary envelope: the header must be a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = new LinkedHashMap<>((Map<String, Object>) map);
            if (fields.containsKey(PayloadFields.TEXT_OR_JSON) || fields.containsKey(PayloadFields.BASE64)) {
                return new MalformedMessage("binary envelope: the header must not hold payload or payload_b64 (the payload is the frame's tail)");
            }
            byte[] payload = ByteBufUtil.getBytes(frame, at + (int) headerLength, length - PREFIX_BYTES - (int) headerLength, false);
            fields.put(PayloadFields.BASE64, Payload.binary(payload));
            return fields;
        } finally {
            frame.skipBytes(length);
        }
    }

    /** Writes {@code header} (a message without its payload field) and {@code payload}'s bytes as an envelope. */
    public static void encode(Map<String, ?> header, Payload payload, ByteBuf out) {
        byte[] json = ProtocolJson.MAPPER.writeValueAsBytes(header);
        out.writeByte(MARKER);
        out.writeInt(json.length);
        out.writeBytes(json);
        payload.writeTo(out);
    }

    /** The size of the envelope {@link #encode} writes for this header JSON and payload. */
    public static int size(byte[] headerJson, Payload payload) {
        return PREFIX_BYTES + headerJson.length + payload.size();
    }
}
