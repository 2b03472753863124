package dev.switchboard.core.session;

import dev.switchboard.core.lock.LockOwner;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.pubsub.Subscriber;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client's standing on the server: its id, what it holds and what it listens to. It owns locks
 * (as a {@link LockOwner}) and subscriptions (as a {@link Subscriber}); ending it releases both.
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

    Session(long numericId, String id, String transport, String remoteAddress, SessionSink sink) {
        this.numericId = numericId;
        this.id = id;
        this.transport = transport;
        this.remoteAddress = remoteAddress;
        this.sink = sink;
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
        return !closed && sink.pushSignal(channel, payload);
    }

    @Override
    public void evictSlow() {
        sink.disconnect("slow consumer");
    }

    @Override
    public String toString() {
        return "Session{" + numericId + "/" + transport + "@" + remoteAddress + '}';
    }
}
