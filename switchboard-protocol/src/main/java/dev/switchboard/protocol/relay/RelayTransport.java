package dev.switchboard.protocol.relay;

import io.netty.buffer.ByteBuf;

/**
 * Transport: {@code 01 03 | peer id (36) | payload}. From a client the id is the destination;
 * the server overwrites it in place with the source's id ({@link #rewriteDestinationToSource})
 * and forwards the same buffer, so the payload is never copied. At most {@link #MAX_BYTES} in all:
 * the original's peers read into buffers of that size and would cut a longer message short.
 */
public record RelayTransport(RelayPeerId peerId, byte[] payload) implements RelayMessage {
    /** The original's {@code MaxMessageSize}. */
    public static final int MAX_BYTES = 8820;
    public static final int FIXED_BYTES = RelayMessageType.HEADER_BYTES + RelayPeerId.BYTES;
    public static final int MAX_PAYLOAD_BYTES = MAX_BYTES - FIXED_BYTES;

    public RelayTransport {
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("a Transport payload is at most " + MAX_PAYLOAD_BYTES + " bytes, not " + payload.length);
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public RelayMessageType type() {
        return RelayMessageType.TRANSPORT;
    }

    @Override
    public void encode(ByteBuf out) {
        RelayMessage.writeHeader(type(), out);
        peerId.writeTo(out);
        out.writeBytes(payload);
    }

    static RelayTransport decode(ByteBuf frame) throws RelayProtocolException {
        checkLength(frame.writerIndex());
        byte[] payload = new byte[frame.writerIndex() - FIXED_BYTES];
        frame.getBytes(FIXED_BYTES, payload);
        return new RelayTransport(RelayPeerId.read(frame, RelayMessageType.HEADER_BYTES), payload);
    }

    /**
     * The forwarding step, without a copy: reads the destination id of the Transport message in
     * {@code frame}'s readable bytes (its header already checked by
     * {@link RelayCodec#checkHeader}), writes {@code source} over it in the same buffer, and
     * returns the destination. The buffer's indexes and the payload's bytes are left as they were.
     */
    public static RelayPeerId rewriteDestinationToSource(ByteBuf frame, RelayPeerId source) throws RelayProtocolException {
        checkLength(frame.readableBytes());
        int idAt = frame.readerIndex() + RelayMessageType.HEADER_BYTES;
        RelayPeerId destination = RelayPeerId.read(frame, idAt);
        source.setAt(frame, idAt);
        return destination;
    }

    private static void checkLength(int length) throws RelayProtocolException {
        if (length > MAX_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.OVERSIZE,
                    "a Transport message is at most " + MAX_BYTES + " bytes, not " + length);
        }
        if (length < FIXED_BYTES) {
            throw new RelayProtocolException(RelayProtocolException.Reason.TRUNCATED,
                    "a Transport message is at least " + FIXED_BYTES + " bytes, not " + length);
        }
    }
}
