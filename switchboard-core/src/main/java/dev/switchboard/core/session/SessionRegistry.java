package dev.switchboard.core.session;

import dev.switchboard.core.lock.LockTable;
import dev.switchboard.core.pubsub.TopicTree;
import dev.switchboard.core.util.Hex;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Every live session, and the one place that ends them, so that nothing they held is left behind. */
public final class SessionRegistry {
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong nextNumericId = new AtomicLong(1);
    private final LockTable locks;
    private final TopicTree topics;

    public SessionRegistry(LockTable locks, TopicTree topics) {
        this.locks = locks;
        this.topics = topics;
    }

    public Session open(String transport, String remoteAddress, SessionSink sink) {
        Session s = new Session(nextNumericId.getAndIncrement(), Hex.randomHex(16), transport, remoteAddress, sink);
        sessions.put(s.id(), s);
        return s;
    }

    public Session find(String id) {
        return sessions.get(id);
    }

    /**
     * Ends a session: drops its subscriptions, its waiters and two-phase state, and (when
     * {@code releaseHeld}) its held locks. Safe to call more than once.
     */
    public void close(Session s, boolean releaseHeld) {
        if (!s.markClosed()) return;
        sessions.remove(s.id(), s);
        topics.unsubscribeAll(s);
        locks.releaseOwner(s, releaseHeld);
    }

    public int count() {
        return sessions.size();
    }

    public Collection<Session> all() {
        return sessions.values();
    }
}
