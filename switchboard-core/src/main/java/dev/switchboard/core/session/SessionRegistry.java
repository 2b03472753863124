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
    /**
     * How resumable sessions live.
     *
     * @param graceMs                  how long a session with no connection waits for a resume; 0 = ends at once
     * @param maxConnectionsPerSession connections attached to one session at once
     * @param replayMessages           events kept for a resume
     * @param releaseHeldOnEnd         whether an ended session's held locks are released (else they expire)
     */
    public record Lifecycle(long graceMs, int maxConnectionsPerSession, int replayMessages, boolean releaseHeldOnEnd,
                            int maxSessions, int maxSessionsPerIp, long replayBytes,
                            dev.switchboard.core.session.store.SessionKeys keys) {
        public Lifecycle(long graceMs, int maxConnectionsPerSession, int replayMessages, boolean releaseHeldOnEnd) {
            this(graceMs, maxConnectionsPerSession, replayMessages, releaseHeldOnEnd, 0, 0, 4L << 20,
                    dev.switchboard.core.session.store.SecureSessionKeys.INSTANCE);
        }

        public static Lifecycle defaults() {
            return new Lifecycle(30_000, 8, 1024, true);
        }
    }

    /** A new resumable session and its resume key, which is shown to the client once and never stored. */
    public record Opened(Session session, String resumeKey) implements Open {
    }

    /** The outcome of opening a resumable session. */
    public sealed interface Open permits Opened, Refused {
    }

    /** The outcome of attaching a connection to a session. */
    public sealed interface Attach permits Attached, Refused {
    }

    /** Attached: the backlog after the client's last sequence number, and whether none of it was lost. */
    public record Attached(Session session, java.util.List<Outbox.Event> backlog, boolean recovered) implements Attach {
    }

    /** Not attached: {@code code} is a native error code. */
    public record Refused(String code, String message) implements Attach, Open {
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong nextNumericId = new AtomicLong(1);
    private final LockTable locks;
    private final TopicTree topics;
    private final io.netty.util.Timer timer;
    private final Lifecycle lifecycle;

    public SessionRegistry(LockTable locks, TopicTree topics) {
        this(locks, topics, null, Lifecycle.defaults());
    }

    public SessionRegistry(LockTable locks, TopicTree topics, io.netty.util.Timer timer, Lifecycle lifecycle) {
        this.locks = locks;
        this.topics = topics;
        this.timer = timer;
        this.lifecycle = lifecycle;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * A resumable session with {@code first} attached, or a refusal when {@link Lifecycle#maxSessions()}
     * or {@link Lifecycle#maxSessionsPerIp()} is reached. The caps are checked and taken under one
     * lock, so concurrent opens cannot overshoot them.
     */
    public Open openResumable(String transport, String remoteAddress, String clientIp, SessionConnection first) {
        String key = lifecycle.keys().newResumeKey();
        String id = lifecycle.keys().newSessionId();
        if (!dev.switchboard.core.session.store.SessionRecord.isValidId(id) || sessions.containsKey(id)) {
            throw new IllegalStateException("the session key generator returned an unusable id");
        }
        Session s;
        synchronized (caps) {
            if (lifecycle.maxSessions() > 0 && resumableCount >= lifecycle.maxSessions()) {
                return new Refused("max_sessions", "the server has " + lifecycle.maxSessions() + " sessions already");
            }
            if (lifecycle.maxSessionsPerIp() > 0 && clientIp != null
                    && perIp.getOrDefault(clientIp, 0) >= lifecycle.maxSessionsPerIp()) {
                return new Refused("max_sessions_per_ip", "this address has " + lifecycle.maxSessionsPerIp() + " sessions already");
            }
            s = new Session(nextNumericId.getAndIncrement(), id, transport, remoteAddress,
                    NO_SINK, dev.switchboard.core.session.store.SessionKeys.verifier(key), new Outbox(lifecycle.replayMessages(), lifecycle.replayBytes(), 0));
            s.clientIp(clientIp);
            resumableCount++;
            if (clientIp != null) perIp.merge(clientIp, 1, Integer::sum);
            sessions.put(s.id(), s);
        }
        s.attach(first, 0);
        return new Opened(s, key);
    }

    private final Object caps = new Object();
    private int resumableCount;
    private final Map<String, Integer> perIp = new java.util.HashMap<>();

    /**
     * Attaches a connection to an existing session, checking the resume key in constant time.
     * An unknown id, an ended session and a wrong key all give the same refusal, so that a
     * guesser learns nothing.
     */
    public Attach resume(String id, String resumeKey, long lastSeq, SessionConnection c) {
        Session s = id == null ? null : sessions.get(id);
        if (s == null || !s.resumable() || s.isClosed()
                || !dev.switchboard.core.session.store.SessionKeys.matches(resumeKey, s.resumeVerifier())) {
            return new Refused("session_not_found", "no session with this id and key (it ended, or never was)");
        }
        synchronized (s) {
            if (s.connectionCount() >= lifecycle.maxConnectionsPerSession()) {
                return new Refused("max_connections_per_session",
                        "the session has " + lifecycle.maxConnectionsPerSession() + " connections already");
            }
            boolean recovered = !s.replay().missedAfter(lastSeq) && lastSeq <= s.replay().lastSeq();
            return new Attached(s, s.attach(c, lastSeq), recovered);
        }
    }

    /**
     * The open resumable session with this id, when {@code key} is its resume key (constant
     * time), else null — for requests that act on a session without attaching a connection.
     */
    public Session authenticate(String id, String key) {
        Session s = id == null ? null : sessions.get(id);
        if (s == null || !s.resumable() || s.isClosed()
                || !dev.switchboard.core.session.store.SessionKeys.matches(key, s.resumeVerifier())) {
            return null;
        }
        return s;
    }

    /**
     * Detaches a connection; when it was the last, the session waits {@link Lifecycle#graceMs()}
     * for a resume and then ends.
     */
    public void detach(Session s, SessionConnection c) {
        if (!s.detach(c) || s.isClosed()) return;
        if (lifecycle.graceMs() <= 0 || timer == null) {
            close(s, lifecycle.releaseHeldOnEnd());
            return;
        }
        s.graceTimer(timer.newTimeout(t -> {
            if (s.connectionCount() == 0) close(s, lifecycle.releaseHeldOnEnd());
        }, lifecycle.graceMs(), java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    /**
     * What a graceful stop saves of a resumable session: identity, resume verifier, attributes,
     * subscriptions, the last sequence number and the locks it held (which are not restored).
     */
    public dev.switchboard.core.session.store.SessionRecord snapshot(Session s) {
        java.util.List<dev.switchboard.core.session.store.SubscriptionRecord> subs = new java.util.ArrayList<>();
        for (TopicTree.Subscription sub : topics.subscriptionsOf(s)) {
            subs.add(new dev.switchboard.core.session.store.SubscriptionRecord(sub.pattern(), sub.group()));
        }
        java.util.List<String> held = new java.util.ArrayList<>();
        for (dev.switchboard.core.lock.ResourceKey k : s.lockKeys()) {
            held.add((k.kind() == dev.switchboard.core.lock.LockKind.LOCK ? "lock:" : "sem:") + k.name());
        }
        long now = System.currentTimeMillis();
        return new dev.switchboard.core.session.store.SessionRecord(s.id(), s.resumeVerifier(), s.attributes(), subs,
                s.createdAtMillis(), now, s.replay().lastSeq(), held);
    }

    /**
     * Brings back a session saved by a graceful stop, detached: its subscriptions are listening
     * again and it waits the grace period for a resume. Its locks are gone (a new process holds
     * none), so a {@code lock.lost} event for each is waiting in its replay buffer.
     */
    public Session restore(dev.switchboard.core.session.store.SessionRecord r) {
        Session s = new Session(nextNumericId.getAndIncrement(), r.id(), "restored", "", NO_SINK,
                r.resumeKeyVerifier(), new Outbox(lifecycle.replayMessages(), lifecycle.replayBytes(), r.lastSeq()));
        synchronized (caps) {
            resumableCount++;
            sessions.put(s.id(), s);
        }
        s.updateAttributes(r.attributes());
        for (dev.switchboard.core.session.store.SubscriptionRecord sub : r.subscriptions()) {
            topics.subscribe(s, sub.pattern(), sub.group(), 0);
        }
        for (String held : r.heldLocks()) {
            int colon = held.indexOf(':');
            Map<String, Object> event = new java.util.LinkedHashMap<>();
            event.put("op", "lock.lost");
            event.put("kind", colon < 0 ? "lock" : held.substring(0, colon));
            event.put("key", colon < 0 ? held : held.substring(colon + 1));
            event.put("reason", "server_restart");
            s.emit(event);
        }
        if (timer != null) {
            s.graceTimer(timer.newTimeout(t -> {
                if (s.connectionCount() == 0) close(s, lifecycle.releaseHeldOnEnd());
            }, Math.max(1, lifecycle.graceMs()), java.util.concurrent.TimeUnit.MILLISECONDS));
        }
        return s;
    }

    /** The resumable sessions that are not closed (what a graceful stop saves). */
    public java.util.List<Session> resumable() {
        java.util.List<Session> out = new java.util.ArrayList<>();
        for (Session s : sessions.values()) {
            if (s.resumable() && !s.isClosed()) out.add(s);
        }
        return out;
    }

    private static final SessionSink NO_SINK = new SessionSink() {
        @Override
        public boolean pushSignal(String channel, String payload) {
            return false;
        }

        @Override
        public void disconnect(String reason) {
        }
    };

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
        if (s.resumable()) {
            synchronized (caps) {
                resumableCount--;
                if (s.clientIp() != null) perIp.computeIfPresent(s.clientIp(), (k, n) -> n <= 1 ? null : n - 1);
            }
        }
        topics.unsubscribeAll(s);
        locks.releaseOwner(s, releaseHeld);
        for (SessionConnection c : s.takeConnections()) {
            c.disconnect("session_closed", "the session has ended");
        }
    }

    public int count() {
        return sessions.size();
    }

    public Collection<Session> all() {
        return sessions.values();
    }
}
