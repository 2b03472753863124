package dev.switchboard.core.lock;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/** An owner id started in an engine, with what the engine reported lost for it. */
final class TestOwner {
    private static final AtomicLong IDS = new AtomicLong(1000);

    private final long id;
    private final LockEngine engine;
    /** Tokens whose lease ran out and were taken back by the engine, in order. */
    final BlockingQueue<String> expiredTokens = new LinkedBlockingQueue<>();

    TestOwner(LockEngine engine) {
        this(engine, IDS.incrementAndGet());
    }

    TestOwner(LockEngine engine, long id) {
        this.engine = engine;
        this.id = id;
        engine.ownerStarted(id);
    }

    long ownerId() {
        return id;
    }

    /** The keys the engine has state on for this owner. */
    Set<ResourceKey> lockKeys() {
        return engine.keysOf(id);
    }

    @Override
    public String toString() {
        return "TestOwner{" + id + '}';
    }
}
