package dev.switchboard.client;

import java.util.Set;

/**
 * Told what a {@link PresenceWatch} sees, on the client's callback executor, one call at a time and
 * in order with the session's other events. The sets are immutable.
 */
public interface PresenceListener {
    /** Once, first: the watched peers online when the watch was made. */
    void snapshot(Set<String> online);

    /** Then each change: who came online and who went offline since the previous call (never both for one id). */
    void changed(Set<String> cameOnline, Set<String> wentOffline);

    /**
     * Forget what you knew: the watched peers online now. Called when the server dropped changes it
     * could not queue ({@code presence.resync}) and sent a fresh snapshot, and when the client had
     * to watch again on a new session after the old one was lost. By default, handled as a
     * {@link #snapshot}.
     */
    default void resynced(Set<String> online) {
        snapshot(online);
    }
}
