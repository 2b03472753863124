package dev.switchboard.core.relay;

/**
 * The bounds of direct messages ({@code relay.send} and the compact relay frames).
 *
 * @param maxMessageBytes      the largest payload one direct message may carry; a bigger one is
 *                             refused {@code frame_too_large}, never truncated
 * @param maxMessagesPerSecond messages one sending peer may send per second, a second's worth in
 *                             a burst (0 = no bound)
 * @param maxBytesPerSecond    payload bytes one sending peer may send per second, a second's worth
 *                             in a burst (0 = no bound)
 * @param maxUnacknowledged    messages one sending session may have sent with an {@code ack_id}
 *                             and not seen the outcome of yet
 */
public record RelaySettings(int maxMessageBytes, long maxMessagesPerSecond, long maxBytesPerSecond, int maxUnacknowledged) {
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 65_536;
    public static final long DEFAULT_MAX_MESSAGES_PER_SECOND = 10_000;
    public static final long DEFAULT_MAX_BYTES_PER_SECOND = 64L * 1024 * 1024;
    public static final int DEFAULT_MAX_UNACKNOWLEDGED = 1024;

    public RelaySettings {
        if (maxMessageBytes < 0 || maxMessagesPerSecond < 0 || maxBytesPerSecond < 0 || maxUnacknowledged < 1) {
            throw new IllegalArgumentException("relay bounds must not be negative, and at least one message may await its receipt");
        }
    }

    public static RelaySettings defaults() {
        return new RelaySettings(DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGES_PER_SECOND, DEFAULT_MAX_BYTES_PER_SECOND,
                DEFAULT_MAX_UNACKNOWLEDGED);
    }
}
