package dev.switchboard.core.session;

import dev.switchboard.core.lock.LockOwner;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.pubsub.Subscriber;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client's standing on the server: its id, what it holds and what it listens to. It owns locks
 * (as a {@link LockOwner}) and subscriptions (as a {@link Subscriber}); ending it releases both.
 *
 * <p>A resumable session (the native protocol over TCP and WebSocket) outlives its connections:
 * it has a secret resume key, numbers every event it emits and keeps the newest in a replay
 * buffer, delivers each event to every attached connection, and waits out a grace period with
 * none attached before it ends. A dflockd session is not resumable: it ends with its connection
 * and its signals go to its {@link SessionSink}.
 */
public final class Session implements LockOwner, Subscriber {
    private final long numericId;
    private final String id;
    private final String transport;
    private final String remoteAddress;
    private final long createdAtMillis = System.currentTimeMillis();
    private final Set<ResourceKey> lockKeys = ConcurrentHashMap.newKeySet();
    private final SessionSink sink;
    private final java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;
    private final String resumeVerifier;
    private final Outbox replay;
    private final java.util.Set<SessionConnection> connections = new java.util.concurrent.CopyOnWriteArraySet<>();
    private io.netty.util.Timeout graceTimer;

    Session(long numericId, String id, String transport, String remoteAddress, SessionSink sink) {
        this(numericId, id, transport, remoteAddress, sink, null, null);
    }

    Session(long numericId, String id, String transport, String remoteAddress, SessionSink sink,
            String resumeVerifier, Outbox replay) {
        this.numericId = numericId;
        this.id = id;
        this.transport = transport;
        this.remoteAddress = remoteAddress;
        this.sink = sink;
        this.resumeVerifier = resumeVerifier;
        this.replay = replay;
    }

    private volatile String clientIp;
    private final Map<String, String> attributes = new java.util.LinkedHashMap<>();

    /** The session's attributes (a copy, in the order they were set). */
    public synchronized Map<String, String> attributes() {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes));
    }

    /**
     * Sets (or, with a null value, removes) attributes, all or nothing: the result must pass
     * {@link dev.switchboard.core.session.store.SessionAttributes#validate}, else nothing changes
     * and {@link IllegalArgumentException} says why.
     */
    public synchronized Map<String, String> updateAttributes(Map<String, String> changes) {
        Map<String, String> next = new java.util.LinkedHashMap<>(attributes);
        for (Map.Entry<String, String> e : changes.entrySet()) {
            if (e.getValue() == null) next.remove(e.getKey());
            else next.put(e.getKey(), e.getValue());
        }
        dev.switchboard.core.session.store.SessionAttributes.validate(next);
        attributes.clear();
        attributes.putAll(next);
        return attributes();
    }

    void clientIp(String ip) {
        this.clientIp = ip;
    }

    String clientIp() {
        return clientIp;
    }

    /** A lease ran out: a resumable session tells its client with a {@code lock.lost} event. */
    @Override
    public void onLeaseExpired(ResourceKey key, String token) {
        if (replay == null) return;
        Map<String, Object> event = new java.util.LinkedHashMap<>();
        event.put("op", "lock.lost");
        event.put("kind", key.kind() == dev.switchboard.core.lock.LockKind.LOCK ? "lock" : "sem");
        event.put("key", key.name());
        event.put("token", token);
        event.put("reason", "lease_expired");
        emit(event);
    }

    public boolean resumable() {
        return replay != null;
    }

    /** The replay buffer of a resumable session, or null. */
    public Outbox replay() {
        return replay;
    }

    String resumeVerifier() {
        return resumeVerifier;
    }

    /** The attached connections (a snapshot), for admins. */
    public java.util.List<SessionConnection> connections() {
        return java.util.List.copyOf(connections);
    }

    /** {@code active} with a connection, {@code detached} without (waiting for a resume), {@code closed}. */
    public String state() {
        if (closed) return "closed";
        if (replay == null) return "active"; // bound to its connection
        return connections.isEmpty() ? "detached" : "active";
    }

    public int connectionCount() {
        return connections.size();
    }

    /**
     * Emits an event: numbered, kept for replay, and handed to every attached connection (one
     * that is too far behind is disconnected; the session keeps the event for its resume).
     * Numbering and delivery happen under the session's lock so that a connection attaching at
     * the same time sees each event exactly once, in the backlog or live.
     */
    public void emit(Map<String, Object> event) {
        java.util.List<SessionConnection> slow = null;
        synchronized (this) {
            if (closed) return;
            replay.append(event);
            for (SessionConnection c : connections) {
                if (!c.deliver(event)) {
                    if (slow == null) slow = new java.util.ArrayList<>();
                    slow.add(c);
                }
            }
        }
        if (slow != null) {
            for (SessionConnection c : slow) c.disconnect("slow_consumer", "the connection fell too far behind");
        }
    }

    /** Attaches a connection and returns, atomically, the events after {@code lastSeq} it must send first. */
    synchronized java.util.List<Outbox.Event> attach(SessionConnection c, long lastSeq) {
        connections.add(c);
        if (graceTimer != null) {
            graceTimer.cancel();
            graceTimer = null;
        }
        return replay.after(lastSeq);
    }

    /** Detaches a connection; returns true when it was the last one. */
    synchronized boolean detach(SessionConnection c) {
        return connections.remove(c) && connections.isEmpty();
    }

    synchronized void graceTimer(io.netty.util.Timeout t) {
        if (graceTimer != null) graceTimer.cancel();
        graceTimer = t;
    }

    synchronized java.util.List<SessionConnection> takeConnections() {
        if (graceTimer != null) {
            graceTimer.cancel();
            graceTimer = null;
        }
        java.util.List<SessionConnection> all = java.util.List.copyOf(connections);
        connections.clear();
        return all;
    }

    /** 32 lowercase hex characters from a secure random source. */
    public String id() {
        return id;
    }

    /** A counter shared by every session, from 1; dflockd's connection id. */
    @Override
    public long ownerId() {
        return numericId;
    }

    public String transport() {
        return transport;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    public long createdAtMillis() {
        return createdAtMillis;
    }

    /** The next number of this session's outbound sequence, from 1. */
    public long nextSeq() {
        return seq.incrementAndGet();
    }

    @Override
    public Set<ResourceKey> lockKeys() {
        return lockKeys;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Marks the session ended; returns false when it already was. */
    boolean markClosed() {
        synchronized (this) {
            if (closed) return false;
            closed = true;
            return true;
        }
    }

    @Override
    public boolean offer(String channel, String payload) {
        if (closed) return false;
        if (replay == null) return sink.pushSignal(channel, payload);
        Map<String, Object> event = new java.util.LinkedHashMap<>();
        event.put("op", "signal");
        event.put("channel", channel);
        event.put("payload", payload);
        emit(event);
        return true; // kept for replay even when no connection is attached
    }

    @Override
    public void evictSlow() {
        sink.disconnect("slow consumer");
    }

    /** Cuts the connection of a connection-bound session (dflockd), saying why in the server log. */
    public void disconnect(String reason) {
        sink.disconnect(reason);
    }

    @Override
    public String toString() {
        return "Session{" + numericId + "/" + transport + "@" + remoteAddress + '}';
    }
}
