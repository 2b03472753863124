package dev.switchboard.server.embed;

import dev.switchboard.core.session.SessionEnd;
import java.util.Map;

/**
 * A resumable session that ended, as the {@link SessionClosedHook} sees it.
 *
 * @param reason     {@link SessionEnd#EXPIRED} (its grace period ran out), {@link SessionEnd#CLOSED_BY_CLIENT},
 *                   {@link SessionEnd#CLOSED_BY_SERVER} or {@link SessionEnd#IDLE_TIMEOUT} (an HTTP session)
 * @param attributes its attributes when it ended
 */
public record SessionClosed(String sessionId, SessionEnd reason, Map<String, String> attributes) {
    public SessionClosed {
        attributes = Map.copyOf(attributes);
    }
}
