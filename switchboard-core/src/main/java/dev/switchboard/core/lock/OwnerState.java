package dev.switchboard.core.lock;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's record of one live owner: which keys it has state on, and whether it has ended.
 * Holders, waiters and two-phase states point at it, so an id started again after it ended is a
 * different owner whose bookkeeping the old one's leftovers cannot touch.
 *
 * <p>Per key, {@link #keys} counts the pieces of state (holders, waiters, enqueue states) the
 * owner has there. Each key's count changes only on that key's shard; different shards update
 * different entries of the concurrent map at once.
 */
final class OwnerState {
    final long id;
    private final ConcurrentHashMap<ResourceKey, Integer> keys = new ConcurrentHashMap<>();
    private volatile boolean ended;

    OwnerState(long id) {
        this.id = id;
    }

    void ref(ResourceKey key) {
        keys.merge(key, 1, Integer::sum);
    }

    void unref(ResourceKey key) {
        keys.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }

    Set<ResourceKey> keys() {
        return Set.copyOf(keys.keySet());
    }

    boolean ended() {
        return ended;
    }

    void markEnded() {
        ended = true;
    }

    @Override
    public String toString() {
        return "owner " + id;
    }
}
