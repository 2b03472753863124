package dev.switchboard.protocol.relay;

/**
 * A relay-protocol message that cannot be accepted as sent. The relay answers each of these by
 * closing the connection, as the original does; the reason says why, for logs and metrics.
 */
public final class RelayProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a message was refused. */
    public enum Reason {
        /** Shorter than its type's fixed part (or than the 2-byte header). */
        TRUNCATED,
        /** The version byte is not {@link RelayMessageType#PROTOCOL_VERSION}. */
        BAD_VERSION,
        /** A type byte the protocol does not define. */
        UNKNOWN_TYPE,
        /** A type the other side sends (a server-only type arriving from a client, or the reverse). */
        WRONG_DIRECTION,
        /** The deprecated Hello/HelloResponse (0x01/0x02, a Go gob payload): not served, clients use Auth. */
        UNSUPPORTED_TYPE,
        /** An Auth message without the magic bytes 21 12 A4 42. */
        BAD_MAGIC,
        /** A peer id that is not {@code sha-} followed by 32 bytes. */
        BAD_PEER_ID,
        /** A peer-id list whose length is not a whole number of 36-byte ids, or that is empty. */
        BAD_ID_LIST,
        /** More ids in one peer-state message than {@link RelayPeerStates#MAX_IDS_PER_MESSAGE}. */
        TOO_MANY_IDS,
        /** Longer than the protocol allows for its type (the original truncates; Switchboard refuses). */
        OVERSIZE,
        /** Bytes after a message that has none (Close, HealthCheck). */
        TRAILING_BYTES,
        /** An instance URL that is not {@code rel://} or {@code rels://}. */
        BAD_INSTANCE_URL
    }

    private final Reason reason;

    public RelayProtocolException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
