package dev.switchboard.server.transport;

/**
 * What happens to a connection whose queue of pushed events is full
 * ({@code --slow-consumer-policy}, the queue's size is {@code --signal-buffer-size}).
 */
public enum SlowConsumerPolicy {
    /** It is cut with {@code slow_consumer} (dflockd's behaviour); a resumable session keeps its events for the resume. */
    DISCONNECT,
    /**
     * The oldest events waiting in its queue are dropped to make room, and the client is told with
     * a {@code gap} event naming the sequence numbers it did not get. dflockd connections, which
     * have no way to say so, are always cut.
     */
    DROP_OLDEST;

    /** From the option's value ({@code disconnect}, {@code drop-oldest}). */
    public static SlowConsumerPolicy parse(String value) {
        return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "disconnect" -> DISCONNECT;
            case "drop-oldest" -> DROP_OLDEST;
            default -> throw new IllegalArgumentException("--slow-consumer-policy must be disconnect or drop-oldest, got " + value);
        };
    }
}
