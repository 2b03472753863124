package dev.switchboard.core.session;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.lock.LockKind;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.pubsub.Subscription;
import dev.switchboard.core.session.store.SecureSessionKeys;
import dev.switchboard.core.session.store.SessionKeys;
import dev.switchboard.core.session.store.SessionLookup;
import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.core.session.store.SubscriptionRecord;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.core.time.SystemClock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every live session, whatever its policy, and the one place that opens, attaches, detaches and
 * ends them, so that nothing they held is left behind.
 */
public final class SessionRegistry implements SessionDirectory, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

    /**
     * How sessions live.
     *
     * @param graceMs                  how long a native session with no connection waits for a resume; 0 = ends at once
     * @param maxConnectionsPerSession connections (streams and polls included) attached to one session at once
     * @param replayMessages           events kept for a resume or a poll
     * @param releaseHeldOnEnd         whether an ended session's held locks are released (else they expire)
     * @param maxSessions              native connection sessions in total (0 = no cap)
     * @param maxSessionsPerIp         native connection sessions per client IP (0 = no cap)
     * @param replayBytes              bytes of events kept for a resume or a poll, per session
     * @param keys                     how session ids and keys are made
     * @param httpIdleMs               an HTTP session ends after twice this long unused (0 = never)
     * @param httpMaxSessions          HTTP sessions (dflockd's and native) in total (0 = no cap)
     * @param httpMaxSessionsPerIp     HTTP sessions per client IP (0 = no cap)
     * @param maxQueuedRequests        requests of a one-at-a-time session waiting for their turn, and
     *                                 requests of a concurrent session in flight
     * @param replayTotalBytes         bytes of events buffered over every session; 0 = a quarter of the heap
     * @param sessionMailboxSize       event deliveries that may wait in one session's mailbox; one more
     *                                 cuts the session's connections as slow consumers (at least 1)
     */
    public record Lifecycle(long graceMs, int maxConnectionsPerSession, int replayMessages, boolean releaseHeldOnEnd,
                            int maxSessions, int maxSessionsPerIp, long replayBytes, SessionKeys keys,
                            long httpIdleMs, int httpMaxSessions, int httpMaxSessionsPerIp, int maxQueuedRequests,
                            long replayTotalBytes, int sessionMailboxSize) {
        /** The default of {@link #sessionMailboxSize()}. */
        public static final int DEFAULT_SESSION_MAILBOX_SIZE = 4096;

        public Lifecycle(long graceMs, int maxConnectionsPerSession, int replayMessages, boolean releaseHeldOnEnd,
                         int maxSessions, int maxSessionsPerIp, long replayBytes, SessionKeys keys,
                         long httpIdleMs, int httpMaxSessions, int httpMaxSessionsPerIp, int maxQueuedRequests,
                         long replayTotalBytes) {
            this(graceMs, maxConnectionsPerSession, replayMessages, releaseHeldOnEnd, maxSessions, maxSessionsPerIp,
                    replayBytes, keys, httpIdleMs, httpMaxSessions, httpMaxSessionsPerIp, maxQueuedRequests,
                    replayTotalBytes, DEFAULT_SESSION_MAILBOX_SIZE);
        }

        public Lifecycle(long graceMs, int maxConnectionsPerSession, int replayMessages, boolean releaseHeldOnEnd) {
            this(graceMs, maxConnectionsPerSession, replayMessages, releaseHeldOnEnd, 0, 0, 4L << 20,
                    SecureSessionKeys.INSTANCE, 60_000, 0, 0, 256, 0);
        }

        public static Lifecycle defaults() {
            return new Lifecycle(30_000, 8, 1024, true);
        }
    }

    /** A new session, and its key when it is resumable (shown to the client once, never stored). */
    public record Opened(Session session, String resumeKey) implements Open {
    }

    /** The outcome of opening a session. */
    public sealed interface Open permits Opened, Refused {
    }

    /** The outcome of attaching a connection to a session. */
    public sealed interface Attach permits Attached, Refused {
    }

    /** Attached: the backlog after the client's last sequence number, and whether none of it was lost. */
    public record Attached(Session session, List<Outbox.Event> backlog, boolean recovered) implements Attach {
    }

    /** Not opened or not attached: {@code code} is a native error code. */
    public record Refused(ErrorCode code, String message) implements Attach, Open {
    }

    /** A resume of a session that is not here (or a wrong key): one answer for all, so a guesser learns nothing. */
    public static final Refused NOT_FOUND =
            new Refused(ErrorCode.SESSION_NOT_FOUND, "no session with this id and key (it ended, or never was)");

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong nextNumericId = new AtomicLong(1);
    private final AtomicInteger requestsInFlight = new AtomicInteger();
    private final AtomicLong queueRejections = new AtomicLong();
    private final AtomicLong lateReplies = new AtomicLong();
    private final ReplayBudget replayBudget;
    private final LockEngine locks;
    /** The live sessions by numeric id: the lock engine names owners by it. */
    private final Map<Long, Session> byOwnerId = new ConcurrentHashMap<>();
    private final Broker broker;
    private final Timer timer;
    private final NodeClock clock;
    private final Lifecycle lifecycle;
    private final SessionPolicy nativePolicy;
    private final SessionPolicy nativeHttpPolicy;
    private final SessionPolicy dflockdPolicy;
    private final SessionPolicy dflockdHttpPolicy;
    private final SessionPolicy signalStreamPolicy;
    private final Object caps = new Object();
    private final Map<SessionPolicy.Caps, CapCount> capCounts = new HashMap<>();
    private volatile Timeout reaper;
    private volatile Consumer<String> limitHits = limit -> { };
    private volatile Presence presence = Presence.NONE;
    private volatile SessionLifecycleListener lifecycleListener = SessionLifecycleListener.NONE;
    private volatile SessionLifecycleListener peerIds = SessionLifecycleListener.NONE;
    private volatile SessionLookup lookup;
    private volatile java.util.concurrent.Executor lookupExecutor;
    private volatile boolean stopped;

    /**
     * Told when a session's connections come and go (request/reply takes a backend's
     * registrations out while it has no connection). Called in the session's mailbox, or by the
     * thread that ends it; must not block.
     */
    public interface Presence {
        Presence NONE = new Presence() {
            public void attached(Session s) { }
            public void away(Session s) { }
            public void ended(Session s) { }
        };

        /** A connection attached (before the client hears so). */
        void attached(Session s);

        /** A session that waits for a resume lost its last connection. */
        void away(Session s);

        /** The session ended. */
        void ended(Session s);
    }

    public void onPresence(Presence p) {
        this.presence = p;
    }

    /**
     * Told of every session opened and ended, and again — as {@link SessionLifecycleListener#opened}
     * — whenever its identity is set, since its {@link Session#peerId()} may have changed (with
     * {@link Presence}, the core's peer directory follows sessions so).
     */
    public void onPeerIds(SessionLifecycleListener listener) {
        this.peerIds = listener == null ? SessionLifecycleListener.NONE : listener;
    }

    void peerIdMayHaveChanged(Session s) {
        if (!s.isClosed()) peerIds.opened(s);
    }

    /** Sessions counted against one {@link SessionPolicy.Caps}, in total and per IP; guarded by {@link #caps}. */
    private static final class CapCount {
        int total;
        final Map<String, Integer> perIp = new HashMap<>();
    }

    public SessionRegistry(LockEngine locks, Broker broker) {
        this(locks, broker, null, Lifecycle.defaults());
    }

    /** Sessions on real time, with timers on {@code timer} (null: no grace period, no idle reaping). */
    public SessionRegistry(LockEngine locks, Broker broker, Timer timer, Lifecycle lifecycle) {
        this(locks, broker, lifecycle, SystemClock.over(timer));
    }

    /** Sessions whose grace periods, idle reaping and timestamps follow {@code clock}. */
    public SessionRegistry(LockEngine locks, Broker broker, Lifecycle lifecycle, NodeClock clock) {
        this.locks = locks;
        this.broker = broker;
        this.clock = clock;
        this.timer = clock.timer();
        this.lifecycle = lifecycle;
        this.replayBudget = new ReplayBudget(lifecycle.replayTotalBytes());
        SessionPolicy.Caps nativeCaps = new SessionPolicy.Caps("native", lifecycle.maxSessions(), lifecycle.maxSessionsPerIp());
        SessionPolicy.Caps httpCaps = new SessionPolicy.Caps("http", lifecycle.httpMaxSessions(), lifecycle.httpMaxSessionsPerIp());
        SessionPolicy.Lifetime connection = SessionPolicy.Lifetime.CONNECTION;
        SessionPolicy.Lifetime idle = SessionPolicy.Lifetime.IDLE;
        this.nativePolicy = new SessionPolicy("native", SessionPolicy.Lifetime.GRACE, lifecycle.graceMs(), false, true, true, nativeCaps);
        this.nativeHttpPolicy = new SessionPolicy("http", idle, lifecycle.httpIdleMs(), false, true, true, httpCaps);
        this.dflockdPolicy = new SessionPolicy("dflockd", connection, 0, true, false, false, SessionPolicy.Caps.NONE);
        this.dflockdHttpPolicy = new SessionPolicy("dflockd-http", idle, lifecycle.httpIdleMs(), true, false, false, httpCaps);
        this.signalStreamPolicy = new SessionPolicy("dflockd-sse", connection, 0, true, false, false, SessionPolicy.Caps.NONE);
        scheduleReaper();
    }

    /** The node's time, which sessions' idle clocks read. */
    public NodeClock clock() {
        return clock;
    }

    /** The lock engine the sessions own locks in. */
    public LockEngine locks() {
        return locks;
    }

    /** The lock engine took back a slot whose lease ran out: its session (if still live) hears of it. */
    public void lockLost(long ownerId, ResourceKey key, String token) {
        Session s = byOwnerId.get(ownerId);
        if (s != null) s.onLeaseExpired(key, token);
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    // ---- the policies of this node --------------------------------------------------------------

    /** Native clients on TCP, the Unix socket or WebSocket: a grace period after the last connection. */
    public SessionPolicy nativePolicy() {
        return nativePolicy;
    }

    /** Native sessions made over HTTP ({@code POST /api/v1/sessions}): end when idle. */
    public SessionPolicy nativeHttpPolicy() {
        return nativeHttpPolicy;
    }

    /** A dflockd line-protocol connection: the session is the connection. */
    public SessionPolicy dflockdPolicy() {
        return dflockdPolicy;
    }

    /** dflockd's HTTP sessions: one request at a time, ended when idle, no key. */
    public SessionPolicy dflockdHttpPolicy() {
        return dflockdHttpPolicy;
    }

    /** dflockd's 1.x signal stream over SSE: a listening session that is its stream. */
    public SessionPolicy signalStreamPolicy() {
        return signalStreamPolicy;
    }

    // ---- opening -----------------------------------------------------------------------------------

    /** The next number of the counter that numbers sessions and accepted connections (dflockd's connection ids). */
    public long nextNumericId() {
        return nextNumericId.getAndIncrement();
    }

    /** {@link #open(SessionPolicy, long, String, String, String, SessionConnection)} with a new number. */
    public Open open(SessionPolicy policy, String transport, String remoteAddress, String clientIp, SessionConnection first) {
        return open(policy, 0, transport, remoteAddress, clientIp, first);
    }

    /**
     * A new session with {@code first} (if any) attached, or a refusal when its policy's caps are
     * reached. The caps are checked and taken under one lock, so concurrent opens cannot overshoot
     * them. {@code numericId} 0 draws a new number; a connection-bound session takes its
     * connection's.
     */
    public Open open(SessionPolicy policy, long numericId, String transport, String remoteAddress, String clientIp,
                     SessionConnection first) {
        String key = policy.resumable() ? lifecycle.keys().newResumeKey() : null;
        String id = lifecycle.keys().newSessionId();
        if (!SessionRecord.isValidId(id) || sessions.containsKey(id)) {
            throw new IllegalStateException("the session key generator returned an unusable id");
        }
        Session s = newSession(policy, numericId, id, transport, remoteAddress, clientIp,
                key == null ? null : SessionKeys.verifier(key), 0, clock.currentTimeMillis());
        synchronized (caps) {
            Refused refused = takeCap(policy.caps(), clientIp);
            if (refused != null) return refused;
            sessions.put(id, s);
        }
        startOwner(s);
        // Nobody else knows the session yet: its mailbox is idle and this runs at once.
        if (first != null) s.inMailbox(() -> s.attach(first, 0));
        peerIds.opened(s);
        lifecycleListener.opened(s);
        return new Opened(s, key);
    }

    /** Makes the session a lock owner: before anyone can send a request for it. */
    private void startOwner(Session s) {
        byOwnerId.put(s.ownerId(), s);
        locks.ownerStarted(s.ownerId());
    }

    private Session newSession(SessionPolicy policy, long numericId, String id, String transport, String remoteAddress,
                               String clientIp, String verifier, long lastSeq, long createdAtMillis) {
        Outbox replay = policy.replay()
                ? new Outbox(lifecycle.replayMessages(), lifecycle.replayBytes(), lastSeq, replayBudget)
                : new Outbox(0, 0, lastSeq);
        return new Session(this, numericId > 0 ? numericId : nextNumericId(), id, policy, transport, remoteAddress,
                clientIp, verifier, replay, createdAtMillis);
    }

    /** Counts a session against {@code c}; the refusal when a cap is reached. Under {@link #caps}. */
    private Refused takeCap(SessionPolicy.Caps c, String clientIp) {
        if (c == SessionPolicy.Caps.NONE) return null;
        CapCount n = capCounts.computeIfAbsent(c, k -> new CapCount());
        // The limit names are the node's (its limits registry): --max-sessions, --http-max-sessions, ...
        String option = c.name().equals("http") ? "http_max_sessions" : "max_sessions";
        if (c.max() > 0 && n.total >= c.max()) {
            limitHit(option);
            return new Refused(ErrorCode.MAX_SESSIONS, "the server has " + c.max() + " sessions already");
        }
        if (c.maxPerIp() > 0 && clientIp != null && n.perIp.getOrDefault(clientIp, 0) >= c.maxPerIp()) {
            limitHit(option + "_per_ip");
            return new Refused(ErrorCode.MAX_SESSIONS_PER_IP, "this address has " + c.maxPerIp() + " sessions already");
        }
        n.total++;
        if (clientIp != null) n.perIp.merge(clientIp, 1, Integer::sum);
        return null;
    }

    private void giveBackCap(Session s) {
        SessionPolicy.Caps c = s.policy().caps();
        if (c == SessionPolicy.Caps.NONE) return;
        synchronized (caps) {
            CapCount n = capCounts.get(c);
            if (n == null) return;
            n.total--;
            if (s.clientIp() != null) n.perIp.computeIfPresent(s.clientIp(), (k, v) -> v <= 1 ? null : v - 1);
        }
    }

    // ---- finding and attaching -----------------------------------------------------------------------

    public Session find(String id) {
        return id == null ? null : sessions.get(id);
    }

    /** The open session with this id when it has {@code policy}, else null. */
    public Session find(String id, SessionPolicy policy) {
        Session s = find(id);
        return s != null && s.policy() == policy && !s.isClosed() ? s : null;
    }

    /**
     * The open resumable session with this id, when {@code key} is its key (checked in constant
     * time), else null. An unknown id, an ended session and a wrong key look the same, so that a
     * guesser learns nothing.
     */
    public Session authenticate(String id, String key) {
        Session s = find(id);
        if (s == null || !s.resumable() || s.isClosed() || !SessionKeys.matches(key, s.keyVerifier())) return null;
        return s;
    }

    /**
     * Attaches a connection to the session with this id and key (a resume), over any native
     * transport; {@code done} gets the outcome once, at once when the session's mailbox is idle,
     * else from the thread that runs it (see {@link #attach}).
     */
    public void resume(String id, String key, long lastSeq, SessionConnection c, Consumer<Attach> done) {
        locate(id, key, s -> {
            if (s == null) {
                done.accept(NOT_FOUND);
            } else {
                attach(s, c, lastSeq, done);
            }
        });
    }

    /**
     * {@link #authenticate}, and when this node holds no session with the id, the
     * {@linkplain #lookUpMissingWith lookup}: a record found whose verifier matches {@code key} is
     * restored (as a restart restores a saved one) and authenticated. {@code done} gets the
     * session or null, once: at once when no lookup is needed, else on the lookup's executor.
     */
    public void locate(String id, String key, Consumer<Session> done) {
        Session s = authenticate(id, key);
        SessionLookup l = lookup;
        if (s != null || l == null || find(id) != null || !SessionRecord.isValidId(id)
                || key == null || key.isBlank() || key.length() > SessionKeys.MAX_RESUME_KEY_LENGTH) {
            done.accept(s);
            return;
        }
        try {
            lookupExecutor.execute(() -> done.accept(lookUp(l, id, key)));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The executor counted its bound being hit; the resume fails like an unknown session.
            done.accept(null);
        }
    }

    private Session lookUp(SessionLookup l, String id, String key) {
        SessionRecord r;
        try {
            r = l.findForResume(id, key).orElse(null);
        } catch (RuntimeException e) {
            log.warn("the session lookup failed for a resume: {}", e.toString());
            return null;
        }
        if (r == null || !r.id().equals(id) || !SessionKeys.matches(key, r.resumeKeyVerifier()) || stopped) return null;
        restore(r);
        // Another resume may have restored it first: either way, the session now held under this id.
        return authenticate(id, key);
    }

    /**
     * Consults {@code lookup} on {@code executor} when a client resumes a session this node does
     * not hold (see {@link #locate}); null turns it off. The executor may refuse a lookup
     * ({@link java.util.concurrent.RejectedExecutionException}): the resume then fails.
     */
    public void lookUpMissingWith(SessionLookup lookup, java.util.concurrent.Executor executor) {
        this.lookupExecutor = executor;
        this.lookup = lookup;
    }

    /** Where the opening and end of every session is told (one listener; the node's embedding hooks). */
    public void onLifecycle(SessionLifecycleListener listener) {
        this.lifecycleListener = listener == null ? SessionLifecycleListener.NONE : listener;
    }

    /**
     * Attaches a connection (a socket, a stream, a waiting poll) to a session the caller has
     * authenticated, in the session's mailbox: {@code done} gets the events after
     * {@code lastSeq} that the connection must deliver first — every later event is delivered to
     * it live, after {@code done} returns — or a refusal when the session has
     * {@link Lifecycle#maxConnectionsPerSession()} connections already or has ended. {@code done}
     * runs once, inline when the mailbox is idle, else on the thread that drains it: it must not
     * block, and what it writes to the connection must go out before what is delivered later
     * (write at once, or as the first task of the connection's event loop).
     */
    public void attach(Session s, SessionConnection c, long lastSeq, Consumer<Attach> done) {
        s.inMailbox(() -> {
            if (s.isClosed()) {
                done.accept(NOT_FOUND);
            } else if (s.connectionCount() >= lifecycle.maxConnectionsPerSession()) {
                limitHit("max_connections_per_session");
                done.accept(new Refused(ErrorCode.MAX_CONNECTIONS_PER_SESSION,
                        "the session has " + lifecycle.maxConnectionsPerSession() + " connections already"));
            } else {
                boolean recovered = !s.replay().missedAfter(lastSeq) && lastSeq <= s.replay().lastSeq();
                List<Outbox.Event> backlog = s.attach(c, lastSeq);
                presence.attached(s);
                done.accept(new Attached(s, backlog, recovered));
            }
        });
    }

    /**
     * Detaches a connection. When it was the last one, the session's lifetime decides: a
     * connection-bound session ends now; a native one waits {@link Lifecycle#graceMs()} for a
     * resume; an idle-timed one lives on until it is idle.
     */
    public void detach(Session s, SessionConnection c) {
        s.inMailbox(() -> {
            if (!s.detach(c) || s.isClosed()) return;
            switch (s.policy().lifetime()) {
                case CONNECTION -> close(s, lifecycle.releaseHeldOnEnd(), SessionEnd.CONNECTION_ENDED, ENDED);
                case GRACE -> {
                    presence.away(s);
                    startGrace(s, s.policy().lifetimeMs());
                }
                case IDLE -> {
                    // the reaper ends it once it has been idle long enough
                }
            }
        });
    }

    private void startGrace(Session s, long graceMs) {
        if (graceMs <= 0 || timer == null) {
            close(s, lifecycle.releaseHeldOnEnd(), SessionEnd.EXPIRED, ENDED);
            return;
        }
        s.graceTimer(timer.newTimeout(t -> s.inMailbox(() -> {
            if (s.connectionCount() == 0) close(s, lifecycle.releaseHeldOnEnd(), SessionEnd.EXPIRED, ENDED);
        }), graceMs, TimeUnit.MILLISECONDS));
    }

    // ---- requests ------------------------------------------------------------------------------------

    /** A request that acts for no session (stats, an HTTP publish), counted like the others for a drain. */
    public void submitSessionless(Dispatcher dispatcher, Frame frame, RequestOrigin origin, Request.Replier replier) {
        Request request = new Request(null, frame, origin, replier);
        equip(request);
        requestStarted();
        request.whenFinished(this::requestFinished);
        request.track();
        dispatcher.dispatch(request);
    }

    /** Gives a request the node's timer for its deadline and the counter of late replies. */
    void equip(Request request) {
        request.deadlines(timer, lateReplies::incrementAndGet);
    }

    /** The node's budget for buffered events, over every session. */
    public ReplayBudget replayBudget() {
        return replayBudget;
    }

    /** Replies that came after their request's deadline had answered it (dropped, and undone). */
    public long lateReplies() {
        return lateReplies.get();
    }

    void requestStarted() {
        requestsInFlight.incrementAndGet();
    }

    void requestFinished() {
        requestsInFlight.decrementAndGet();
    }

    /** Requests dispatched and not yet answered, on every transport: what a graceful stop waits for. */
    public int requestsInFlight() {
        return requestsInFlight.get();
    }

    void queueFull() {
        queueRejections.incrementAndGet();
        limitHit("max_requests_in_flight");
    }

    /** An event found its session's mailbox holding {@link Lifecycle#sessionMailboxSize()} deliveries. */
    void mailboxFull() {
        limitHit("session_mailbox_size");
    }

    /**
     * Where the registry reports a client hitting one of its bounds, by the limit's name (the
     * node counts them in {@code switchboard_limit_hits_total}).
     */
    public void onLimitHit(Consumer<String> counter) {
        this.limitHits = counter;
    }

    void limitHit(String limit) {
        limitHits.accept(limit);
    }

    /** Requests refused because their one-at-a-time session had {@link Lifecycle#maxQueuedRequests()} waiting. */
    public long queueRejections() {
        return queueRejections.get();
    }

    // ---- ending ----------------------------------------------------------------------------------------

    /**
     * Ends a session: drops its subscriptions, its waiters and two-phase state, and (when
     * {@code releaseHeld}) its held locks; its connections are told {@code session_closed}.
     * Safe to call more than once.
     */
    public void close(Session s, boolean releaseHeld) {
        close(s, releaseHeld, SessionEnd.CLOSED_BY_SERVER, ENDED);
    }

    /** What a closed session's connections are told unless the closer says otherwise. */
    public static final String ENDED = "the session has ended";

    /**
     * {@link #close(Session, boolean)}, saying why (for the lifecycle listener) and what its
     * connections are told with {@code session_closed}.
     */
    public void close(Session s, boolean releaseHeld, SessionEnd why, String message) {
        close(s, releaseHeld, why, ErrorCode.SESSION_CLOSED, message);
    }

    /** {@link #close(Session, boolean, SessionEnd, String)}, telling the connections {@code code} instead of {@code session_closed}. */
    public void close(Session s, boolean releaseHeld, SessionEnd why, ErrorCode code, String message) {
        if (!s.markClosed()) return;
        // At once, whatever thread asks: a resume or a request after this finds the session gone.
        if (sessions.remove(s.id(), s)) giveBackCap(s);
        broker.unsubscribeAll(s);
        presence.ended(s);
        peerIds.ended(s, why);
        broker.unsubscribeAll(s.topicSubscriber());
        byOwnerId.remove(s.ownerId(), s);
        locks.ownerEnded(s.ownerId(), releaseHeld);
        // In the mailbox: after any attach in progress, so that no connection is left behind.
        s.inMailbox(() -> {
            s.replay().clear(); // after any event still being appended: the node's budget gets every byte back
            for (SessionConnection c : s.takeConnections()) {
                c.disconnect(code.wire(), message);
            }
        });
        lifecycleListener.ended(s, why);
    }

    private void scheduleReaper() {
        long idleMs = lifecycle.httpIdleMs();
        if (idleMs <= 0 || timer == null || stopped) return;
        long tickMs = Math.min(idleMs, 30_000);
        reaper = timer.newTimeout(t -> {
            reapIdle(TimeUnit.MILLISECONDS.toNanos(2 * idleMs));
            scheduleReaper();
        }, tickMs, TimeUnit.MILLISECONDS);
    }

    /** Ends the idle-timed sessions unused for {@code maxIdleNanos} with nothing in flight. */
    void reapIdle(long maxIdleNanos) {
        long now = clock.nanoTime();
        for (Session s : sessions.values()) {
            if (s.policy().lifetime() == SessionPolicy.Lifetime.IDLE && !s.busy()
                    && now - s.lastActivityNanos() > maxIdleNanos) {
                log.debug("reaped idle session {}", s);
                close(s, lifecycle.releaseHeldOnEnd(), SessionEnd.IDLE_TIMEOUT, ENDED);
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        Timeout t = reaper;
        if (t != null) t.cancel();
    }

    // ---- restarts ----------------------------------------------------------------------------------

    /**
     * What a graceful stop saves of a resumable session: identity, key verifier, kind,
     * attributes, subscriptions, the last sequence number and the locks it held (which are not
     * restored).
     */
    public SessionRecord snapshot(Session s) {
        List<SubscriptionRecord> subs = new ArrayList<>();
        for (Subscription sub : broker.subscriptionsOf(s)) {
            subs.add(new SubscriptionRecord(sub.pattern(), sub.group()));
        }
        List<String> held = new ArrayList<>();
        for (ResourceKey k : s.lockKeys()) {
            held.add((k.kind() == LockKind.LOCK ? "lock:" : "sem:") + k.name());
        }
        return new SessionRecord(s.id(), s.keyVerifier(), s.attributes(), subs, s.createdAtMillis(),
                clock.currentTimeMillis(), s.replay().lastSeq(), held, s.policy().name());
    }

    /**
     * Brings back a session saved by a graceful stop, detached, with the policy of its kind: its
     * subscriptions are listening again and it waits (the grace period, or its idle timeout) for
     * its client. Its locks are gone (a new process holds none), so a {@code lock.lost} event for
     * each is waiting in its replay buffer.
     */
    public Session restore(SessionRecord r) {
        SessionPolicy policy = nativeHttpPolicy.name().equals(r.kind()) ? nativeHttpPolicy : nativePolicy;
        // Its age counts from its creation, before the restart.
        Session s = newSession(policy, 0, r.id(), "restored", "", null,
                r.resumeKeyVerifier(), r.lastSeq(), r.createdAtMillis());
        synchronized (caps) {
            // A lookup may race another one (or a restart's restore) for the same id: the first stays.
            Session held = sessions.putIfAbsent(s.id(), s);
            if (held != null) return held;
            capCounts.computeIfAbsent(policy.caps(), k -> new CapCount()).total++;
        }
        startOwner(s);
        s.updateAttributes(r.attributes());
        for (SubscriptionRecord sub : r.subscriptions()) {
            // Under today's cap: a cap lowered across the restart drops what is over it.
            broker.subscribe(s, sub.pattern(), sub.group()).whenComplete((result, err) -> {
                if (err != null || !result.listening()) {
                    log.warn("restored session {} lost its subscription to {} ({})", s.id(), sub.pattern(),
                            err != null ? err.toString() : result);
                }
            });
        }
        reportHeldLost(s, r.heldLocks());
        if (policy.lifetime() == SessionPolicy.Lifetime.GRACE) s.inMailbox(() -> startGrace(s, Math.max(1, policy.lifetimeMs())));
        return s;
    }

    /**
     * Tells a restored session, with a {@code lock.lost} event ({@code reason: "server_restart"})
     * for each, that locks its record says it held ({@code lock:<key>} or {@code sem:<key>}) are
     * not held here. A cluster node that carried some of them over reports only the others.
     */
    public void reportHeldLost(Session s, List<String> heldLocks) {
        for (String held : heldLocks) {
            int colon = held.indexOf(':');
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("op", "lock.lost");
            event.put("kind", colon < 0 ? "lock" : held.substring(0, colon));
            event.put("key", colon < 0 ? held : held.substring(colon + 1));
            event.put("reason", "server_restart");
            s.emit(event);
        }
    }

    /** The resumable sessions that are not closed (what a graceful stop saves). */
    public List<Session> resumable() {
        List<Session> out = new ArrayList<>();
        for (Session s : sessions.values()) {
            if (s.resumable() && !s.isClosed()) out.add(s);
        }
        return out;
    }

    public int count() {
        return sessions.size();
    }

    public Collection<Session> all() {
        return sessions.values();
    }
}
