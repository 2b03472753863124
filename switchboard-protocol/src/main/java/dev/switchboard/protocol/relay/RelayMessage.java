package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One relay-protocol message (version 1): {@code [version 0x01][type]} then the type's fields.
 * {@link RelayCodec} reads them from whole binary WebSocket frames.
 */
public sealed interface RelayMessage
        permits RelayAuth, RelayAuthResponse, RelayTransport, RelayClose, RelayHealthCheck, RelayPeerStates {

    RelayMessageType type();

    /** Appends the whole message, header included, to {@code out}. */
    void encode(ByteBuf out);

    /** The whole message as bytes. */
    default byte[] toBytes() {
        ByteBuf out = Unpooled.buffer();
        encode(out);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }

    /** Writes the 2-byte header of {@code type}. */
    static void writeHeader(RelayMessageType type, ByteBuf out) {
        out.writeByte(RelayMessageType.PROTOCOL_VERSION);
        out.writeByte(type.code());
    }
}
