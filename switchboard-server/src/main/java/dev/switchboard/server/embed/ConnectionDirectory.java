package dev.switchboard.server.embed;

import dev.switchboard.core.session.SessionConnection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accepted native client connections by the node's connection number, for
 * {@code sendToConnection}. Bounded by {@code --max-connections}: an entry lives from the
 * connection's welcome to its end.
 */
final class ConnectionDirectory {
    private final ConcurrentHashMap<Long, SessionConnection> byId = new ConcurrentHashMap<>();

    void add(long connectionId, SessionConnection c) {
        byId.put(connectionId, c);
    }

    void remove(long connectionId, SessionConnection c) {
        byId.remove(connectionId, c);
    }

    SessionConnection find(long connectionId) {
        return byId.get(connectionId);
    }
}
