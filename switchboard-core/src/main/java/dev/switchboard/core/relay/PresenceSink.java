package dev.switchboard.core.relay;

import java.util.List;

/**
 * Where a {@link PresenceStream} hands its batches (a session's {@code presence} events, in the
 * native protocol). Called one at a time, in order, on the stream's executor, never under the
 * directory's lock: a slow sink delays only its own stream.
 */
public interface PresenceSink {
    /**
     * Changes since the previous batch: peers that came online and peers that went offline
     * (disjoint lists, together at most the stream's ids per event; one of them may be empty).
     */
    void changes(List<String> online, List<String> offline);

    /**
     * The stream dropped changes it could not queue: the subscriber must forget its view. The
     * watched peers online now follow at once as {@link #changes} with only online ids (none when
     * nobody is online).
     */
    void resync();
}
