package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;

/**
 * Auth, the client's first message:
 * {@code 01 06 | magic 21 12 A4 42 | peer id (36) | auth payload (a v2 token, see RelayTokens)},
 * at most {@link #MAX_BYTES} in all. The magic is the STUN cookie, a sanity marker.
 */
public record RelayAuth(RelayPeerId peerId, byte[] authPayload) implements RelayMessage {
    /** The original's {@code MaxHandshakeSize}: it reads the first frame into a buffer this big. */
    public static final int MAX_BYTES = 212;
    /** Header, magic and peer id. */
    public static final int FIXED_BYTES = RelayMessageType.HEADER_BYTES + 4 + RelayPeerId.BYTES;
    public static final int MAX_PAYLOAD_BYTES = MAX_BYTES - FIXED_BYTES;
    static final int MAGIC = 0x2112A442;

    public RelayAuth {
        if (authPayload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("an auth payload is at most " + MAX_PAYLOAD_BYTES + " bytes, not " + authPayload.length);
        }
        authPayload = authPayload.clone();
    }

    @Override
    public byte[] authPayload() {
        return authPayload.clone();
    }

    @Override
    public RelayMessageType type() {
        return RelayMessageType.AUTH;
    }

    @Override
    public void encode(ByteBuf out) {
        RelayMessage.writeHeader(type(), out);
        out.writeInt(MAGIC);
        peerId.writeTo(out);
        out.writeBytes(authPayload);
    }

    /** Reads an Auth whose header was checked; {@code frame} holds exactly the message from index 0. */
    static RelayAuth decode(ByteBuf frame) throws RelayProtocolException {
        int length = frame.writerIndex();
        if (length > MAX_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.OVERSIZE,
                    "an Auth message is at most " + MAX_BYTES + " bytes, not " + length);
        }
        if (length < FIXED_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.TRUNCATED,
                    "an Auth message is at least " + FIXED_BYTES + " bytes, not " + length);
        }
        if (frame.getInt(RelayMessageType.HEADER_BYTES) != MAGIC) {
            throw new RelayProtocolException(RelayProtocolException.Reason.BAD_MAGIC, "an Auth message carries the magic 21 12 A4 42");
        }
        RelayPeerId peerId = RelayPeerId.read(frame, RelayMessageType.HEADER_BYTES + 4);
        byte[] payload = new byte[length - FIXED_BYTES];
        frame.getBytes(FIXED_BYTES, payload);
        return new RelayAuth(peerId, payload);
    }
}
