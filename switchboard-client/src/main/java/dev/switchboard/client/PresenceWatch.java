package dev.switchboard.client;

import java.util.List;
import java.util.Set;

/**
 * A watch on the presence of some peers ({@code presence.subscribe}), by their ids or by a
 * pattern. It keeps the view of who is online, which its {@link PresenceListener} hears about. It
 * belongs to the session: a reconnect that resumes keeps it (the changes made meanwhile are
 * replayed); after a lost session the client watches again and the listener gets
 * {@link PresenceListener#resynced}. {@link #close()} ends it ({@code presence.unsubscribe}).
 */
public final class PresenceWatch implements AutoCloseable {
    private final PresenceWatches owner;
    private final List<String> peers;
    private final String pattern;
    final PresenceListener listener;
    // Written on the I/O thread only; an immutable set, so readers see a whole view.
    private volatile Set<String> online = Set.of();
    private volatile String watchId;
    // True from a presence.resync until the snapshot's first event (I/O thread only).
    boolean resyncing;

    PresenceWatch(PresenceWatches owner, List<String> peers, String pattern, PresenceListener listener) {
        this.owner = owner;
        this.peers = peers;
        this.pattern = pattern;
        this.listener = listener;
    }

    /** The watched peer ids, or empty for a pattern watch. */
    public List<String> peers() {
        return peers;
    }

    /** The watched pattern, or null for a watch of peer ids. */
    public String pattern() {
        return pattern;
    }

    /** The server's id of the watch (it changes when the client watches again on a new session). */
    public String watchId() {
        return watchId;
    }

    /** The watched peers online, as far as the events handed over so far say. */
    public Set<String> online() {
        return online;
    }

    void watching(String id, Set<String> view) {
        this.watchId = id;
        this.online = view;
    }

    void view(Set<String> view) {
        this.online = view;
    }

    @Override
    public void close() {
        owner.unwatch(this);
    }
}
