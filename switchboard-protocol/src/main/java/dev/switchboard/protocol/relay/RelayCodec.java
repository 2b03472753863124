package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Locale;

/**
 * Reads relay-protocol messages from whole binary WebSocket frames, strictly: any message the
 * protocol does not allow from that side, or that is malformed, is a
 * {@link RelayProtocolException} (the relay then closes the connection, as the original does).
 * Nothing is allocated from a length on the wire before that length is checked against the type's
 * bound. The frame's indexes are not moved.
 */
public final class RelayCodec {
    private RelayCodec() {
    }

    /** A message a client sent to the relay. */
    public static RelayMessage decodeFromClient(ByteBuf frame) throws RelayProtocolException {
        return decode(frame, RelayMessageType.Sender.CLIENT);
    }

    public static RelayMessage decodeFromClient(byte[] frame) throws RelayProtocolException {
        return decodeFromClient(Unpooled.wrappedBuffer(frame));
    }

    /** A message the relay sent to a client. */
    public static RelayMessage decodeFromServer(ByteBuf frame) throws RelayProtocolException {
        return decode(frame, RelayMessageType.Sender.SERVER);
    }

    public static RelayMessage decodeFromServer(byte[] frame) throws RelayProtocolException {
        return decodeFromServer(Unpooled.wrappedBuffer(frame));
    }

    /**
     * Checks the 2-byte header of the message in {@code frame}'s readable bytes, in the original's
     * order (length, version, type), and that {@code sender} may send that type. Enough for the
     * forwarding path, which then rewrites a Transport in place without decoding it.
     */
    public static RelayMessageType checkHeader(ByteBuf frame, RelayMessageType.Sender sender) throws RelayProtocolException {
        if (frame.readableBytes() < RelayMessageType.HEADER_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.TRUNCATED,
                    "a message starts with a version byte and a type byte (" + frame.readableBytes() + " bytes)");
        }
        byte version = frame.getByte(frame.readerIndex());
        if (version != RelayMessageType.PROTOCOL_VERSION) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_VERSION,
                    "protocol version " + (version & 0xFF) + " is not served (only " + RelayMessageType.PROTOCOL_VERSION + ")");
        }
        byte code = frame.getByte(frame.readerIndex() + 1);
        RelayMessageType type = RelayMessageType.fromCode(code).orElseThrow(() -> new RelayProtocolException(
                RelayProtocolException.Reason.UNKNOWN_TYPE, "message type " + (code & 0xFF) + " is not defined"));
        if (!sender.maySend(type)) {
            throw new RelayProtocolException(RelayProtocolException.Reason.WRONG_DIRECTION,
                    type + " is never sent by the " + sender.name().toLowerCase(Locale.ROOT));
        }
        return type;
    }

    private static RelayMessage decode(ByteBuf frame, RelayMessageType.Sender sender) throws RelayProtocolException {
        RelayMessageType type = checkHeader(frame, sender);
        // From here on, offsets count from the message's first byte and its end is the writer index.
        ByteBuf message = frame.slice();
        return switch (type) {
            case HELLO, HELLO_RESPONSE -> throw new RelayProtocolException(RelayProtocolException.Reason.UNSUPPORTED_TYPE,
                    "the deprecated " + type + " handshake is not served: send Auth (0x06)");
            case AUTH -> RelayAuth.decode(message);
            case AUTH_RESPONSE -> RelayAuthResponse.decode(message);
            case TRANSPORT -> RelayTransport.decode(message);
            case CLOSE -> headerOnly(message, RelayClose.INSTANCE);
            case HEALTH_CHECK -> headerOnly(message, RelayHealthCheck.INSTANCE);
            case SUBSCRIBE_PEER_STATE, UNSUBSCRIBE_PEER_STATE, PEERS_ONLINE, PEERS_WENT_OFFLINE -> RelayPeerStates.decode(type, message);
        };
    }

    private static RelayMessage headerOnly(ByteBuf message, RelayMessage decoded) throws RelayProtocolException {
        if (message.writerIndex() != RelayMessageType.HEADER_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.TRAILING_BYTES,
                    decoded.type() + " is exactly " + RelayMessageType.HEADER_BYTES + " bytes, not " + message.writerIndex());
        }
        return decoded;
    }
}
