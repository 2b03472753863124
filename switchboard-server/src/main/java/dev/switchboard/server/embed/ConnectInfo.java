package dev.switchboard.server.embed;

import java.util.Map;

/**
 * A native client connection about to be attached to its session, as the {@link ConnectHook}
 * sees it.
 *
 * @param sessionId     the session it opened or resumed
 * @param connectionId  the node's number for the connection (what {@code sendToConnection} takes)
 * @param transport     {@code json} (lines), {@code json-frames} (length-prefixed, the Unix socket too) or {@code ws}
 * @param remoteAddress the peer's address ({@code /127.0.0.1:54321}; the socket path side for the Unix socket)
 * @param attributes    the session's attributes now (a copy)
 * @param resumed       true when the client resumed an existing session, false for a new one
 */
public record ConnectInfo(String sessionId, long connectionId, String transport, String remoteAddress,
                          Map<String, String> attributes, boolean resumed) {
    public ConnectInfo {
        attributes = Map.copyOf(attributes);
    }
}
