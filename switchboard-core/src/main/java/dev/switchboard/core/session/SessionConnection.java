package dev.switchboard.core.session;

import java.util.Map;

/**
 * One live connection attached to a resumable session: a TCP socket or a WebSocket. The session
 * hands it every event; it writes them without blocking.
 */
public interface SessionConnection {
    /** Queues an event for the client; false when the connection is too far behind. */
    boolean deliver(Map<String, Object> event);

    /** Ends this connection, telling the client {@code code} and why. The session may live on. */
    void disconnect(String code, String message);

    /** The transport of this connection ({@code json}, {@code json-frames}, {@code ws}), for admins. */
    default String transport() {
        return "unknown";
    }

    /** The peer's address, for admins. */
    default String remoteAddress() {
        return "";
    }
}
