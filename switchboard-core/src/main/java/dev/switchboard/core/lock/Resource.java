package dev.switchboard.core.lock;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/** The state of one key: holders, the FIFO queue and two-phase state. Touched only on its shard. */
final class Resource {
    final ResourceKey key;
    final int limit;
    final Map<String, Holder> holders = new LinkedHashMap<>();
    final LinkedHashSet<Waiter> waiters = new LinkedHashSet<>();
    final Map<LockOwner, Enqueued> enqueued = new HashMap<>();
    /** Per owner: how many holders, waiters and enqueue states it has here. */
    private final Map<LockOwner, Integer> ownerRefs = new HashMap<>();
    long lastActivityNanos;

    Resource(ResourceKey key, int limit, long nowNanos) {
        this.key = key;
        this.limit = limit;
        this.lastActivityNanos = nowNanos;
    }

    boolean hasRoom() {
        return holders.size() < limit;
    }

    boolean idle() {
        return holders.isEmpty() && waiters.isEmpty() && enqueued.isEmpty();
    }

    /** Counts a new piece of owner state; the first one registers the key with the owner. */
    void ref(LockOwner owner) {
        if (ownerRefs.merge(owner, 1, Integer::sum) == 1) {
            owner.lockKeys().add(key);
        }
    }

    /** Drops a piece of owner state; the last one unregisters the key from the owner. */
    void unref(LockOwner owner) {
        Integer left = ownerRefs.computeIfPresent(owner, (o, n) -> n == 1 ? null : n - 1);
        if (left == null) {
            owner.lockKeys().remove(key);
        }
    }
}
