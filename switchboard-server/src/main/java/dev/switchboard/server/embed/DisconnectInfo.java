package dev.switchboard.server.embed;

/**
 * A native client connection that left its session, as the {@link DisconnectHook} sees it.
 *
 * @param reason why: {@value #CLIENT_CLOSED}, {@value #HEARTBEAT_TIMEOUT}, {@value #SLOW_CONSUMER},
 *               {@value #SERVER_SHUTDOWN}, {@value #SESSION_CLOSED}, {@value #CONNECTION_ERROR},
 *               or the native error code the server ended it with ({@code frame_too_large}, ...)
 */
public record DisconnectInfo(String sessionId, long connectionId, String transport, String remoteAddress, String reason) {
    /** The client closed the connection (or it was reset). */
    public static final String CLIENT_CLOSED = "client_closed";
    /** Nothing came from the client for three heartbeat intervals. */
    public static final String HEARTBEAT_TIMEOUT = "heartbeat_timeout";
    /** The client fell too far behind the events pushed to it. */
    public static final String SLOW_CONSUMER = "slow_consumer";
    /** The node is stopping (or draining). */
    public static final String SERVER_SHUTDOWN = "server_shutdown";
    /** Its session ended (closed by the client on another connection, by the server, ...). */
    public static final String SESSION_CLOSED = "session_closed";
    /** The connection failed (an I/O error). */
    public static final String CONNECTION_ERROR = "connection_error";
}
