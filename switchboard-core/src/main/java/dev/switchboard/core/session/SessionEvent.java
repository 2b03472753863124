package dev.switchboard.core.session;

import java.util.Map;

/**
 * Something a session tells its client: a signal, a lost lock. One instance may go to many
 * sessions (a published signal is one object for every subscriber), so it holds no per-session
 * state; the session's sequence number travels beside it.
 */
public interface SessionEvent {
    /** The event's {@code op} on the wire ({@code signal}, {@code lock.lost}, ...). */
    String op();

    /**
     * The event as the native protocol writes it, with {@code seq} last when {@code seq > 0}: a new
     * map, for the paths that are not hot (a resume's backlog, SSE, long-poll).
     */
    Map<String, Object> message(long seq);

    /** About how many bytes it takes on the wire with its {@code seq}: cheap, for the replay buffer's caps. */
    long sizeEstimate();
}
