package dev.switchboard.client;

import java.util.OptionalLong;

/**
 * A change of the client's connection or session, delivered to the listeners registered with
 * {@link SwitchboardClient.Builder#onStateChange} on the callback executor, one at a time and in
 * order (and in order with {@link Signal}s: a {@link Type#SESSION_LOST} or {@link Type#RESUMED}
 * event comes before the signals of the new connection).
 *
 * @param type           what happened
 * @param sessionId      the session in use after the event (for {@link Type#SESSION_LOST}: the new one)
 * @param code           {@link Type#DISCONNECTED}: why the connection ended ({@code disconnected}, or
 *                       the error the server sent before closing, such as {@code heartbeat_timeout},
 *                       {@code slow_consumer}, {@code draining}); {@link Type#SESSION_LOST}: the
 *                       server's {@code resume_error} code ({@code session_not_found}); {@link Type#CLOSED}:
 *                       {@code client_closed}, {@code replaced} (a newer session of the same identity took
 *                       this one's peer id; the client does not reconnect), or the reason the client gave
 *                       up; otherwise null
 * @param recovered      {@link Type#RESUMED}: true when every event missed while disconnected is replayed
 * @param firstAvailable {@link Type#RESUMED} with {@code recovered == false}: the oldest event the server
 *                       still had; events before it (after the last one delivered) are lost
 * @param cause          the exception behind {@code code}, when there is one
 */
public record ConnectionEvent(Type type, String sessionId, String code, boolean recovered,
                              OptionalLong firstAvailable, SwitchboardException cause) {

    public enum Type {
        /** The first connection is up (a new session). */
        CONNECTED,
        /** The connection ended; the client reconnects (unless reconnecting is off or it was closed). */
        DISCONNECTED,
        /**
         * Reconnected and resumed the same session: its locks, subscriptions and queued events
         * survived. With {@code recovered == false} some events were dropped from the server's replay
         * buffer ({@code firstAvailable} says from where the rest resumes): resynchronise.
         */
        RESUMED,
        /**
         * Reconnected, but the old session was gone ({@code code}, usually {@code session_not_found}):
         * a new session with a new id is in use; locks were reported lost and subscriptions must be
         * made again.
         */
        SESSION_LOST,
        /**
         * The client stopped for good: {@code close()}, reconnecting turned off or given up, or the
         * session was {@code replaced} by a newer one of the same identity. Last event.
         */
        CLOSED
    }

    /** True for {@link Type#RESUMED} with {@code recovered == false}: some events were lost. */
    public boolean isGap() {
        return type == Type.RESUMED && !recovered;
    }
}
