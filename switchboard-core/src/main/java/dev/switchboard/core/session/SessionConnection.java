package dev.switchboard.core.session;

/**
 * One connection attached to a session: a TCP or Unix socket, a WebSocket, an SSE stream, a
 * waiting long-poll, or a dflockd connection. The session hands it every event; it writes them
 * without blocking (or drops those its protocol has no message for).
 */
public interface SessionConnection {
    /** What became of an event handed to a connection. */
    enum Delivery {
        /** Queued for the client (or dropped on purpose, when its protocol has no message for it). */
        ACCEPTED,
        /** Refused: the connection's queue is full, its client too far behind (a slow consumer). */
        FULL,
        /** Refused: the connection is ending or gone; it is not behind, and nothing more is owed to it. */
        CLOSED
    }

    /**
     * Queues an event for the client. {@code seq} is the event's number in the session (0 when the
     * session does not number its events). The event may be shared with other sessions: it must
     * not be changed.
     */
    Delivery deliver(long seq, SessionEvent event);

    /** Ends this connection, telling the client {@code code} and why. The session may live on. */
    void disconnect(String code, String message);

    /** The transport of this connection ({@code json}, {@code json-frames}, {@code ws}, {@code sse}, {@code poll}, {@code dflockd}), for admins. */
    default String transport() {
        return "unknown";
    }

    /** The peer's address, for admins. */
    default String remoteAddress() {
        return "";
    }
}
