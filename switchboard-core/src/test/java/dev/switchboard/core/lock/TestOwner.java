package dev.switchboard.core.lock;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/** A minimal real {@link LockOwner}: an id, the key set the table maintains, a closed flag. */
final class TestOwner implements LockOwner {
    private static final AtomicLong IDS = new AtomicLong(1);

    private final long id;
    private final Set<ResourceKey> lockKeys = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Tokens whose lease ran out and were evicted by the table, in order. */
    final BlockingQueue<String> expiredTokens = new LinkedBlockingQueue<>();

    TestOwner() {
        this(IDS.getAndIncrement() + 1000);
    }

    TestOwner(long id) {
        this.id = id;
    }

    @Override
    public long ownerId() {
        return id;
    }

    @Override
    public Set<ResourceKey> lockKeys() {
        return lockKeys;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    void close() {
        closed = true;
    }

    @Override
    public void onLeaseExpired(ResourceKey key, String token) {
        expiredTokens.add(token);
    }

    @Override
    public String toString() {
        return "TestOwner{" + id + '}';
    }
}
