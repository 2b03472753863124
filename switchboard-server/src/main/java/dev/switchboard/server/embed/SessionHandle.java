package dev.switchboard.server.embed;

import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.Payload;
import java.util.Map;

/**
 * A session as an {@code executeInSession} task sees it. What the task emits through it goes to
 * every connection attached to the session, numbered and kept for replay like every session event.
 */
public final class SessionHandle {
    private final Session session;
    private final EmbeddedSessions sessions;

    SessionHandle(Session session, EmbeddedSessions sessions) {
        this.session = session;
        this.sessions = sessions;
    }

    public String id() {
        return session.id();
    }

    /** The attributes now (a copy). */
    public Map<String, String> attributes() {
        return session.attributes();
    }

    /**
     * Sets (a null value removes) attributes, keys under {@code server.} included; the clients
     * get a {@code session.attributes} event with the result.
     *
     * @throws IllegalArgumentException when the result would break the attribute limits (nothing changes)
     */
    public Map<String, String> setAttributes(Map<String, String> changes) {
        Map<String, String> now = session.updateAttributes(changes);
        session.emit(Notifications.attributes(now));
        return now;
    }

    /** Sends a {@code notify} event named {@code name} to the session's connections. */
    public void send(String name, Payload payload) {
        sessions.checkNotify(name, payload);
        session.emit(Notifications.notify(name, payload));
    }

    /** Connections attached now. */
    public int connectionCount() {
        return session.connectionCount();
    }
}
