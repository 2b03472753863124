package dev.switchboard.core.session;

/**
 * The transport side of a session: where pushed messages go. Implementations never block; they
 * queue and report false when the connection is too far behind.
 */
public interface SessionSink {
    /** Queues a signal for the client; false when the outbound buffer is full. */
    boolean pushSignal(String channel, String payload);

    /** Ends the connection, telling the client why where the protocol allows it. */
    void disconnect(String reason);
}
