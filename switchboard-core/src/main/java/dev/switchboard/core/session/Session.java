package dev.switchboard.core.session;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.identity.Identity;
import dev.switchboard.core.lock.LockKind;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.pubsub.Subscriber;
import dev.switchboard.core.session.store.SessionAttributes;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import io.netty.util.Timeout;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's standing on the server, whatever the transport: its id and (when resumable) secret
 * key, attributes, the locks and queue places it holds (as a lock owner, by {@link #ownerId()}), its
 * subscriptions (as a {@link Subscriber}), its outbound event sequence and replay buffer, the
 * connections attached to it and the requests it has in flight.
 *
 * <p>There is one session class; how a session lives — ended with its connection, after a grace
 * period, or when idle; one request at a time or many; resumable or not — is its
 * {@link SessionPolicy}. Its events, connections and grace period change in its own mailbox, one
 * writer at a time and without a lock, on whichever thread finds the mailbox idle; delivery to
 * connections never blocks (a connection that cannot keep up is cut, and a resumable session
 * keeps the events for its resume). Its attributes and its queue of one-at-a-time requests are
 * small critical sections under its monitor, with no I/O inside.
 */
public final class Session implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final long numericId;
    private final String id;
    private final SessionPolicy policy;
    private final String transport;
    private final String remoteAddress;
    private final String clientIp;
    private final String keyVerifier;
    private final long createdAtMillis;
    private final Outbox replay;
    private final SessionRegistry registry;
    private static final Live[] NO_CONNECTIONS = new Live[0];
    /**
     * The attached connections: replaced (never changed in place) in the mailbox only, read from
     * anywhere. A plain array, one hop from the session, because every publish walks it for every
     * subscriber.
     */
    private volatile Live[] connections = NO_CONNECTIONS;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    /** The session's pending requests: dispatched, or waiting for their turn, and not yet answered. */
    private final Set<Request> pending = ConcurrentHashMap.newKeySet();
    private final ArrayDeque<Queued> serialQueue = new ArrayDeque<>();
    private volatile boolean closed;
    private volatile long lastActivityNanos;
    private final SessionMailbox mailbox;
    private final Object closing = new Object();
    private final java.util.concurrent.atomic.AtomicBoolean slowLogged = new java.util.concurrent.atomic.AtomicBoolean();
    /** Written in the mailbox only. */
    private Timeout graceTimer;
    /**
     * The newest event a full mailbox refused (written under the replay buffer's monitor): it is in
     * the replay buffer but was not delivered live, so a connection attached before it must not be
     * handed any later event — it is cut as a slow consumer, and its client's resume gets it.
     */
    private volatile long overflowSeq = Long.MIN_VALUE;
    /** Whether a task that cuts the connections that missed {@link #overflowSeq} is queued. */
    private final java.util.concurrent.atomic.AtomicBoolean cutQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private boolean serialRunning;
    /** Orders the embedding program's tasks ({@code executeInSession}) with request dispatch. */
    private final SessionLane lane = new SessionLane(this::dispatchNow);

    private record Queued(Request request, Dispatcher dispatcher) {
    }

    /**
     * An attached connection and the newest event its backlog held: events numbered up to
     * {@code liveAfter} reached it in the backlog, so live delivery skips them (events are numbered
     * when emitted, and a delivery queued before the attach may run after it).
     */
    private static final class Live {
        final SessionConnection connection;
        final long liveAfter;
        /** Cut for missing an event the mailbox refused; written in the mailbox only. */
        boolean cut;

        Live(SessionConnection connection, long liveAfter) {
            this.connection = connection;
            this.liveAfter = liveAfter;
        }
    }

    Session(SessionRegistry registry, long numericId, String id, SessionPolicy policy, String transport,
            String remoteAddress, String clientIp, String keyVerifier, Outbox replay, long createdAtMillis) {
        this.registry = registry;
        this.createdAtMillis = createdAtMillis;
        this.numericId = numericId;
        this.id = id;
        this.policy = policy;
        this.transport = transport;
        this.remoteAddress = remoteAddress;
        this.clientIp = clientIp;
        this.keyVerifier = keyVerifier;
        this.replay = replay;
        this.lastActivityNanos = registry.clock().nanoTime();
        this.mailbox = new SessionMailbox(registry.lifecycle().sessionMailboxSize(), this::deliverNumbered);
    }

    // ---- identity ---------------------------------------------------------------------------------

    /** 32 lowercase hex characters from a secure random source (or the embedder's generator). */
    public String id() {
        return id;
    }

    /**
     * A counter shared by every session and connection, from 1; dflockd's connection id, and the
     * owner id the lock engine knows the session by.
     */
    public long ownerId() {
        return numericId;
    }

    public SessionPolicy policy() {
        return policy;
    }

    /** The transport that opened the session ({@code json}, {@code ws}, {@code http}, {@code dflockd}, ...). */
    public String transport() {
        return transport;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    String clientIp() {
        return clientIp;
    }

    public long createdAtMillis() {
        return createdAtMillis;
    }

    /** True when the session has a key: it can be resumed over any native transport and is saved at a graceful stop. */
    public boolean resumable() {
        return keyVerifier != null;
    }

    String keyVerifier() {
        return keyVerifier;
    }

    /** The numbered events kept for a resume or a poll (empty, but numbered, for a policy without replay). */
    public Outbox replay() {
        return replay;
    }

    // ---- attributes -------------------------------------------------------------------------------

    /** The session's attributes (a copy, in the order they were set). */
    public synchronized Map<String, String> attributes() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /**
     * Sets (or, with a null value, removes) attributes, all or nothing: the result must pass
     * {@link SessionAttributes#validate}, else nothing changes and {@link IllegalArgumentException} says why.
     */
    public synchronized Map<String, String> updateAttributes(Map<String, String> changes) {
        Map<String, String> next = new LinkedHashMap<>(attributes);
        for (Map.Entry<String, String> e : changes.entrySet()) {
            if (e.getValue() == null) next.remove(e.getKey());
            else next.put(e.getKey(), e.getValue());
        }
        SessionAttributes.validate(next);
        attributes.clear();
        attributes.putAll(next);
        return attributes();
    }

    // ---- state ------------------------------------------------------------------------------------

    /**
     * {@code active}; {@code detached} for a session waiting out its grace period with no
     * connection; {@code closed}.
     */
    public String state() {
        if (closed) return "closed";
        if (policy.lifetime() == SessionPolicy.Lifetime.GRACE && connections.length == 0) return "detached";
        return "active";
    }

    public boolean isClosed() {
        return closed;
    }

    /** The attached connections (a snapshot), for admins. */
    public List<SessionConnection> connections() {
        return Arrays.stream(connections).map(l -> l.connection).toList();
    }

    public int connectionCount() {
        return connections.length;
    }

    /** Requests dispatched and not yet answered. */
    public int requestsInFlight() {
        return pending.size();
    }

    /** Marks the session as used now (an idle session is reaped after a while). */
    public void touch() {
        lastActivityNanos = registry.clock().nanoTime();
    }

    long lastActivityNanos() {
        return lastActivityNanos;
    }

    /** True while something keeps an idle session alive: a request in flight or an attached stream. */
    boolean busy() {
        return !pending.isEmpty() || connections.length > 0;
    }

    /** The keys on which the session holds, waits or is enqueued (a snapshot from the lock engine). */
    public Set<ResourceKey> lockKeys() {
        return registry.locks().keysOf(numericId);
    }

    // ---- requests ---------------------------------------------------------------------------------

    /**
     * Runs a request for this session: at once for a concurrent policy, in arrival order for a
     * serial one. The reply goes to {@code replier}; if {@code origin} closes first, the request
     * is cancelled (and a late grant undone).
     */
    public void submit(Dispatcher dispatcher, Frame frame, RequestOrigin origin, Request.Replier replier) {
        Request request = new Request(this, frame, origin, replier);
        registry.equip(request);
        pending.add(request);
        registry.requestStarted();
        touch();
        request.track();
        if (!policy.serial()) {
            request.whenFinished(() -> requestFinished(request));
            // The same bound as a serial session's queue: a session over several connections, or
            // an HTTP session whose every request comes on a connection of its own, cannot make
            // the node hold more than this for it. (Concurrent submits may pass it by a few.)
            int max = registry.lifecycle().maxQueuedRequests();
            if (pending.size() > max) {
                registry.queueFull();
                request.reply(Reply.error(ErrorCode.TOO_MANY_REQUESTS, "the session has " + max
                        + " requests in flight already (--max-requests-in-flight); wait for some answers"));
                return;
            }
            lane.dispatch(request, dispatcher);
            return;
        }
        synchronized (this) {
            if (serialRunning) {
                if (serialQueue.size() >= registry.lifecycle().maxQueuedRequests()) {
                    registry.queueFull();
                    request.reply(Reply.error(ErrorCode.TOO_MANY_REQUESTS, "the session has "
                            + registry.lifecycle().maxQueuedRequests() + " requests waiting for their turn already"));
                    requestFinished(request);
                    return;
                }
                serialQueue.add(new Queued(request, dispatcher));
                return;
            }
            serialRunning = true;
        }
        runSerial(new Queued(request, dispatcher));
    }

    private void runSerial(Queued q) {
        q.request().whenFinished(() -> {
            requestFinished(q.request());
            Queued next;
            synchronized (this) {
                next = serialQueue.poll();
                if (next == null) serialRunning = false;
            }
            if (next != null) runSerial(next);
        });
        if (refusedAfterWaiting(q.request())) return;
        lane.dispatch(q.request(), q.dispatcher());
    }

    /** Hands a request to its handler; one that waited behind an embedder's task may have been cancelled meanwhile. */
    private void dispatchNow(Request request, Dispatcher dispatcher, boolean held) {
        if (held && refusedAfterWaiting(request)) return;
        dispatcher.dispatch(request);
    }

    /**
     * A request whose connection went while it waited for its turn, or whose session ended, never
     * runs: it is answered so, and true is returned.
     */
    private boolean refusedAfterWaiting(Request request) {
        if (!request.isCancelled() && !closed) return false;
        request.reply(Reply.error(closed ? ErrorCode.SESSION_CLOSED : ErrorCode.CANCELLED,
                closed ? "the session has ended" : "the request's connection closed"));
        return true;
    }

    /**
     * Runs an embedding program's task for this session between two dispatches of its requests
     * (see {@link SessionLane}): {@code start} hands the task to an executor without blocking, and
     * the task calls {@link #exclusiveDone()} once it has finished.
     */
    public void runExclusive(Runnable start) {
        lane.exclusive(start);
    }

    /** The task started by {@link #runExclusive} has finished: held requests go on. */
    public void exclusiveDone() {
        lane.taskDone();
    }

    private void requestFinished(Request request) {
        pending.remove(request);
        registry.requestFinished();
        touch();
    }

    // ---- events -----------------------------------------------------------------------------------

    /**
     * Emits an event. A session that keeps events numbers it, keeps it for replay and hands it
     * to every attached connection, in its mailbox: one writer at a time, in order, so that a
     * connection attaching meanwhile sees each event exactly once, in its backlog or live. A
     * connection too far behind is cut with {@code slow_consumer} (the session keeps the event for
     * its resume), and so is every connection when the mailbox already holds
     * {@code --session-mailbox-size} deliveries (the event is numbered and kept for the resume all
     * the same). A dflockd session, which keeps nothing, hands the event straight to its
     * connection. Returns whether the event went anywhere: kept, or accepted by a connection.
     */
    public boolean emit(SessionEvent event) {
        if (closed) return false;
        if (!policy.replay()) return deliver(0, event);
        long seq;
        SessionMailbox.Offer offer;
        // Numbering and offering under one monitor: deliveries queue in sequence order. The replay
        // buffer's own monitor, so that a close's clear() never races an append.
        synchronized (replay) {
            if (closed) return false;
            seq = replay.appendHoldingMonitor(event);
            offer = mailbox.offer(seq, event);
            if (offer == SessionMailbox.Offer.FULL) overflowSeq = seq;
        }
        switch (offer) {
            case RUN_NOW -> {
                try {
                    deliverNumbered(seq, event);
                } finally {
                    mailbox.release();
                }
            }
            case QUEUED_DRAIN -> mailbox.drainQueued();
            case FULL -> overflowed();
            case QUEUED -> {
                // delivered by the thread draining the mailbox
            }
        }
        return true;
    }

    /**
     * The mailbox refused an event (it is in the replay buffer, not delivered live). Every
     * connection attached before it is cut as a slow consumer: by the next delivery at the latest
     * (see {@link #deliver}), and by a cut task in case no delivery comes. One cut task queued at a
     * time, so a burst of refusals queues one task, not one per event.
     */
    private void overflowed() {
        registry.mailboxFull();
        if (cutQueued.compareAndSet(false, true)) mailbox.execute(this::cutConnectionsThatMissedEvents);
    }

    /** In the mailbox: cuts the connections attached before the newest refused event. */
    private void cutConnectionsThatMissedEvents() {
        cutQueued.set(false);
        long missed = overflowSeq;
        for (Live l : connections) {
            if (!l.cut && l.liveAfter < missed) cutMissed(l);
        }
    }

    private void cutMissed(Live l) {
        l.cut = true;
        cutSlow(l.connection, "the session's mailbox is full (--session-mailbox-size)");
    }

    /** In the mailbox: a numbered event for the live connections, unless the session has ended. */
    private void deliverNumbered(long seq, SessionEvent event) {
        if (!closed) deliver(seq, event);
    }

    /** {@link #emit(SessionEvent)} of an event given as its fields (which must hold {@code op}). */
    public boolean emit(Map<String, Object> event) {
        return emit(new FieldsEvent(event));
    }

    /**
     * Hands an event to every attached connection (their queues are bounded and thread-safe); cuts
     * the slow ones. {@code seq} is the event's number, 0 for a session that does not number them.
     */
    private boolean deliver(long seq, SessionEvent event) {
        boolean accepted = false;
        long missed = overflowSeq;
        for (Live l : connections) {
            if (l.cut || seq <= l.liveAfter) continue;
            if (l.liveAfter < missed) { // it missed a refused event: no later one may reach it
                cutMissed(l);
                continue;
            }
            switch (l.connection.deliver(seq, event)) {
                case ACCEPTED -> accepted = true;
                case FULL -> cutSlow(l.connection, "the connection fell too far behind");
                case CLOSED -> {
                    // ending or gone (its detach is on its way): not behind, nothing to cut
                }
            }
        }
        return accepted;
    }

    private void cutSlow(SessionConnection c, String why) {
        if (slowLogged.compareAndSet(false, true)) { // once per session: a burst must not flood the log
            log.info("{}: a connection fell too far behind and is disconnected (slow consumer: {})", this, why);
        }
        c.disconnect(ErrorCode.SLOW_CONSUMER.wire(), why);
    }

    /** A published signal for this subscriber: the one object every subscriber gets, not a copy. */
    @Override
    public boolean offer(Signal signal) {
        return emit(signal);
    }

    @Override
    public boolean offer(String channel, Payload payload) {
        return offer(new Signal(channel, payload));
    }

    /** Nothing left to do: {@link #emit} has already cut the connections that could not take the message. */
    @Override
    public void evictSlow() {
    }

    /** A dflockd session has only {@code sig} lines: it takes the messages that fit one (see {@link Signal#fitsDflockdLine()}). */
    @Override
    public boolean accepts(Signal signal) {
        return policy.replay() || signal.fitsDflockdLine();
    }

    /**
     * The session as a {@code topic.subscribe}r: the same session, told each message as a
     * {@code message} event rather than a {@code signal}. A separate subscriber in the topic tree,
     * so that {@code signal.listen} and {@code topic.subscribe} of one pattern are two subscriptions.
     */
    public Subscriber topicSubscriber() {
        return topics;
    }

    private final Subscriber topics = new Subscriber() {
        @Override
        public boolean offer(String channel, Payload payload) {
            return offer(new Signal(channel, payload));
        }

        @Override
        public boolean offer(Signal signal) {
            return emit(signal.asMessage());
        }

        @Override
        public void evictSlow() {
        }

        @Override
        public String peerId() {
            return Session.this.peerId();
        }

        @Override
        public String toString() {
            return Session.this + "/topics";
        }
    };

    /** Who the client is and what it may do; {@link Identity#ANONYMOUS_LOCAL} until a transport says otherwise. */
    public Identity identity() {
        return identity;
    }

    /** Set by the transport once the client authenticated (a hello's token, dflockd's auth). */
    public void identity(Identity identity) {
        this.identity = identity;
        registry.peerIdMayHaveChanged(this); // the session's peer id follows its identity
    }

    /**
     * The id other peers know this session by (direct messages, presence): its identity's name
     * once it authenticated as someone of its own, else its session id. The anonymous identity,
     * the shared {@code --auth-token} and a restored session's placeholder name nobody in
     * particular (every client holding them has the same name), so those sessions go by their id.
     */
    @Override
    public String peerId() {
        Identity who = identity;
        boolean shared = who.anonymous() || who == Identity.SHARED_TOKEN || who == Identity.RESTORED
                || who == Identity.ANONYMOUS_LOCAL;
        return shared ? id : who.name();
    }

    private volatile Identity identity = Identity.ANONYMOUS_LOCAL;

    /** A lease ran out: the client hears of it with a {@code lock.lost} event. */
    void onLeaseExpired(ResourceKey key, String token) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("op", "lock.lost");
        event.put("kind", key.kind() == LockKind.LOCK ? "lock" : "sem");
        event.put("key", key.name());
        event.put("token", token);
        event.put("reason", "lease_expired");
        emit(event);
    }

    // ---- the mailbox: connections, grace and the end (driven by the registry) ---------------------

    /**
     * Runs {@code task} in the session's mailbox: after every earlier task, before every later
     * one, never two at once; inline when the mailbox is idle.
     */
    public void inMailbox(Runnable task) {
        mailbox.execute(task);
    }

    /** In the mailbox: attaches a connection and returns the events after {@code lastSeq} it must send first. */
    List<Outbox.Event> attach(SessionConnection c, long lastSeq) {
        cancelGraceTimer();
        touch();
        if (!policy.replay()) {
            add(new Live(c, Long.MIN_VALUE)); // its events are not numbered (all 0)
            return List.of();
        }
        // The backlog and the point live delivery starts from, with no event numbered in between.
        synchronized (replay) {
            add(new Live(c, replay.lastSeq()));
            return replay.after(lastSeq);
        }
    }

    /** In the mailbox: detaches a connection; returns true when it was the last one. */
    boolean detach(SessionConnection c) {
        touch(); // first: the idle reaper must never see the session free with its old activity time
        Live[] before = connections;
        Live[] after = Arrays.stream(before).filter(l -> l.connection != c).toArray(Live[]::new);
        connections = after;
        return after.length < before.length && after.length == 0;
    }

    /** In the mailbox. */
    private void add(Live l) {
        Live[] more = Arrays.copyOf(connections, connections.length + 1);
        more[more.length - 1] = l;
        connections = more;
    }

    /** In the mailbox: the timer that ends the session unless a connection comes back first. */
    void graceTimer(Timeout t) {
        cancelGraceTimer();
        graceTimer = t;
    }

    private void cancelGraceTimer() {
        if (graceTimer != null) {
            graceTimer.cancel();
            graceTimer = null;
        }
    }

    /** Marks the session ended, at once and from any thread; false when it already was. */
    boolean markClosed() {
        synchronized (closing) {
            if (closed) return false;
            closed = true;
            return true;
        }
    }

    /**
     * The timer that acts on the expiry of the token the session authenticated with (its warning,
     * then its end); replaces (and cancels) the one before, null only cancels. Dropped when the
     * session ends, so an ended session is not kept until its token's expiry.
     */
    public void credentialTimer(Timeout t) {
        Timeout old;
        synchronized (closing) {
            old = credentialTimer;
            credentialTimer = closed ? null : t;
        }
        if (old != null && old != t) old.cancel();
        if (closed && t != null) t.cancel();
    }

    /** The timer {@link #credentialTimer(Timeout)} set last, null when there is none. */
    public Timeout credentialTimer() {
        synchronized (closing) {
            return credentialTimer;
        }
    }

    private Timeout credentialTimer;

    /** In the mailbox, once closed: hands back the connections still attached and drops the grace and credential timers. */
    List<SessionConnection> takeConnections() {
        cancelGraceTimer();
        credentialTimer(null);
        List<SessionConnection> all = connections();
        connections = NO_CONNECTIONS;
        return all;
    }

    @Override
    public String toString() {
        return "Session{" + numericId + "/" + transport + "@" + remoteAddress + '}';
    }
}
