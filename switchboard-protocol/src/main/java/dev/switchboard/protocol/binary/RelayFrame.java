package dev.switchboard.protocol.binary;

import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.json.MalformedMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A compact direct message for the binary framings (a length-prefixed frame, a WebSocket binary
 * frame), for connections that said {@code "relay_frames":true} in their hello:
 *
 * <pre>
 *   0x01 (version) | type (1 byte) | peer id length L (1 byte, 1 to 255) | L bytes: the peer id in UTF-8
 *        | MESSAGE only: the receiver's event seq (8 bytes, big-endian) | the payload's bytes, to the end of the frame
 * </pre>
 *
 * A client sends {@link Type#SEND} with the destination's peer id; the receiver gets
 * {@link Type#MESSAGE} with the sender's peer id in the same place, and the {@code seq} its
 * session numbered the message with (what a resume's {@code last_seq} counts). The first byte
 * tells a relay frame from a binary envelope ({@code 0x00}) and from JSON ({@code {} or white space).
 */
public record RelayFrame(Type type, String peerId, long seq, Payload payload) {
    /** The first byte of every relay frame: the version of this layout. */
    public static final byte VERSION = 0x01;
    /** Version, type and peer id length. */
    public static final int PREFIX_BYTES = 3;
    public static final int SEQ_BYTES = 8;
    /** The longest peer id a relay frame can name (its length is one byte). */
    public static final int MAX_PEER_ID_BYTES = 255;

    public enum Type {
        /** Client to server: send the payload to the peer id. */
        SEND(0x01),
        /** Server to client: a payload from the peer id, numbered {@code seq}. */
        MESSAGE(0x02);

        public final byte code;

        Type(int code) {
            this.code = (byte) code;
        }

        static Type of(byte code) {
            for (Type t : values()) {
                if (t.code == code) return t;
            }
            return null;
        }
    }

    /** True when the readable bytes of {@code frame} start like a relay frame. */
    public static boolean isRelayFrame(ByteBuf frame) {
        return frame.isReadable() && frame.getByte(frame.readerIndex()) == VERSION;
    }

    /**
     * The relay frame in {@code frame}, or a {@link MalformedMessage} saying what is wrong: shorter
     * than its prefix, an unknown type, an empty peer id or one running past the end of the frame,
     * a peer id that is not UTF-8 or not a valid key, a MESSAGE without its seq. Reads the whole frame.
     */
    public static Object decode(ByteBuf frame) {
        int length = frame.readableBytes();
        int at = frame.readerIndex();
        try {
            if (length < PREFIX_BYTES || frame.getByte(at) != VERSION) {
                return malformed("a frame must hold the version 01, a type and a peer id length (" + length + " bytes)");
            }
            Type type = Type.of(frame.getByte(at + 1));
            if (type == null) {
                return malformed(String.format("unknown type 0x%02x (01 send, 02 message)", frame.getByte(at + 1) & 0xff));
            }
            int idLength = frame.getUnsignedByte(at + 2);
            if (idLength == 0) return malformed("the peer id is empty");
            if (idLength > length - PREFIX_BYTES) {
                return malformed("peer id length " + idLength + " is past the end of the frame ("
                        + (length - PREFIX_BYTES) + " bytes after the prefix)");
            }
            String peerId = peerId(frame, at + PREFIX_BYTES, idLength);
            if (peerId == null) return malformed("the peer id is not UTF-8");
            String problem = Frame.keyError(peerId);
            if (problem != null) return malformed("peer id " + problem);
            int payloadAt = at + PREFIX_BYTES + idLength;
            long seq = 0;
            if (type == Type.MESSAGE) {
                if (length - PREFIX_BYTES - idLength < SEQ_BYTES) return malformed("a message frame must hold an 8-byte seq");
                seq = frame.getLong(payloadAt);
                payloadAt += SEQ_BYTES;
            }
            byte[] payload = ByteBufUtil.getBytes(frame, payloadAt, at + length - payloadAt, false);
            return new RelayFrame(type, peerId, seq, Payload.binary(payload));
        } finally {
            frame.skipBytes(length);
        }
    }

    /**
     * The peer id's {@code length} bytes at {@code index}, or null when they are not UTF-8. An ASCII
     * id (the usual one) is its own UTF-8 and is read without a decoder: a strict decoder made for
     * every frame was about a fifth of the server's time on the relay path in a profile.
     */
    private static String peerId(ByteBuf frame, int index, int length) {
        if (ByteBufUtil.isText(frame, index, length, StandardCharsets.US_ASCII)) {
            return frame.toString(index, length, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(frame.nioBuffer(index, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static MalformedMessage malformed(String reason) {
        return new MalformedMessage("relay frame: " + reason);
    }

    /** The size of the MESSAGE frame {@link #writeMessage} writes. */
    public static int messageSize(byte[] fromUtf8, Payload payload) {
        return PREFIX_BYTES + fromUtf8.length + SEQ_BYTES + payload.size();
    }

    /** Writes a MESSAGE frame from the peer whose UTF-8 id is {@code fromUtf8} (at most 255 bytes). */
    public static void writeMessage(byte[] fromUtf8, long seq, Payload payload, ByteBuf out) {
        writeHeader(Type.MESSAGE, fromUtf8, out);
        out.writeLong(seq);
        payload.writeTo(out);
    }

    /** Writes a SEND frame to the peer whose UTF-8 id is {@code toUtf8} (at most 255 bytes). */
    public static void writeSend(byte[] toUtf8, Payload payload, ByteBuf out) {
        writeHeader(Type.SEND, toUtf8, out);
        payload.writeTo(out);
    }

    private static void writeHeader(Type type, byte[] peerId, ByteBuf out) {
        if (peerId.length == 0 || peerId.length > MAX_PEER_ID_BYTES) {
            throw new IllegalArgumentException("a relay frame's peer id is 1 to 255 bytes, not " + peerId.length);
        }
        out.writeByte(VERSION).writeByte(type.code).writeByte(peerId.length).writeBytes(peerId);
    }
}
