package dev.switchboard.server.transport;

import dev.switchboard.core.session.SessionConnection;

/**
 * A connection's bounded queue of pushed events, by its slow-consumer policy: {@link PushQueue}
 * (full means the connection is cut) or {@link GapQueue} (full means the oldest waiting event is
 * dropped and the client told with a {@code gap} event).
 */
public interface EventPushes {
    /**
     * Queues {@code event}, numbered {@code seq} (0 when the session does not number them), in its
     * wire form {@code message}; an {@link dev.switchboard.core.session.AcknowledgedEvent} is told
     * when its write is done.
     */
    SessionConnection.Delivery offerEvent(long seq, Object message, dev.switchboard.core.session.SessionEvent event);

    /** On the event loop, before the owner writes anything else: what is queued goes first. */
    void drainBeforeWrite();

    /** On the event loop: the channel's writability changed (a queue that waits for it may write again). */
    default void writabilityChanged() {
    }
}
