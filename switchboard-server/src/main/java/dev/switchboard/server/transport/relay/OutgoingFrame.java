package dev.switchboard.server.transport.relay;

import dev.switchboard.core.session.SessionEvent;
import java.util.Map;

/**
 * A relay message the connection itself sends (a HealthCheck, a peer-state list), queued behind
 * the session's events through the same bounded queue, so that a peer that does not read is cut
 * as a slow consumer whatever it is sent.
 */
record OutgoingFrame(byte[] bytes) implements SessionEvent {
    @Override
    public String op() {
        return "relay.frame";
    }

    @Override
    public Map<String, Object> message(long seq) {
        return Map.of("op", op());
    }

    @Override
    public long sizeEstimate() {
        return bytes.length;
    }
}
