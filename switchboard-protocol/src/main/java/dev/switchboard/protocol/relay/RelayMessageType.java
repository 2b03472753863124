package dev.switchboard.protocol.relay;

import java.util.Optional;

/**
 * The type byte of a relay-protocol message (the second byte, after the version), with the side
 * that may send it. Values and directions are the openzro/NetBird relay's, protocol version 1.
 */
public enum RelayMessageType {
    /** Deprecated handshake (gob payload); recognised so it is refused as unsupported, not unknown. */
    HELLO(0x01, Sender.CLIENT),
    HELLO_RESPONSE(0x02, Sender.SERVER),
    TRANSPORT(0x03, Sender.EITHER),
    CLOSE(0x04, Sender.EITHER),
    HEALTH_CHECK(0x05, Sender.EITHER),
    AUTH(0x06, Sender.CLIENT),
    AUTH_RESPONSE(0x07, Sender.SERVER),
    SUBSCRIBE_PEER_STATE(0x08, Sender.CLIENT),
    UNSUBSCRIBE_PEER_STATE(0x09, Sender.CLIENT),
    PEERS_ONLINE(0x0A, Sender.SERVER),
    PEERS_WENT_OFFLINE(0x0B, Sender.SERVER);

    /** The version byte every message starts with. */
    public static final byte PROTOCOL_VERSION = 0x01;
    /** Version byte and type byte. */
    public static final int HEADER_BYTES = 2;

    /** Which side of a relay connection sends a message. */
    public enum Sender {
        CLIENT, SERVER, EITHER;

        boolean maySend(RelayMessageType type) {
            return type.sender == EITHER || type.sender == this;
        }
    }

    private static final RelayMessageType[] BY_CODE = new RelayMessageType[0x0C];

    static {
        for (RelayMessageType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final byte code;
    private final Sender sender;

    RelayMessageType(int code, Sender sender) {
        this.code = (byte) code;
        this.sender = sender;
    }

    public byte code() {
        return code;
    }

    public Sender sender() {
        return sender;
    }

    /** The type with this byte, or empty for a byte the protocol does not define. */
    public static Optional<RelayMessageType> fromCode(byte code) {
        int index = code & 0xFF;
        return index < BY_CODE.length ? Optional.ofNullable(BY_CODE[index]) : Optional.empty();
    }
}
