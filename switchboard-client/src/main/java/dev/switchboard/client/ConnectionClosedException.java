package dev.switchboard.client;

/**
 * The connection ended (closed by either side or broken) before an answer arrived. Every request
 * still in flight fails with this at once, so no caller waits for an answer that cannot come.
 * When the server explained why before closing (for example {@code heartbeat_timeout} or
 * {@code draining}), that error is the {@linkplain #getCause() cause}.
 */
public class ConnectionClosedException extends SwitchboardException {
    private static final long serialVersionUID = 1L;

    public ConnectionClosedException(String message, Throwable cause) {
        super("disconnected", message, cause);
    }
}
