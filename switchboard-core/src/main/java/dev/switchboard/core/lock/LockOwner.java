package dev.switchboard.core.lock;

import java.util.Set;

/**
 * Whoever holds, waits for or enqueued on a lock: a session. The lock table records in
 * {@link #lockKeys()} every key on which the owner has state, so that ending the owner can clean
 * up exactly those keys.
 */
public interface LockOwner {
    /** Numeric id shown in stats as {@code owner_conn_id}. */
    long ownerId();

    /** Keys on which this owner has a holder, a waiter or enqueue state; maintained by the lock table. */
    Set<ResourceKey> lockKeys();

    /** True once the owner has ended; the lock table creates no new state for a closed owner. */
    boolean isClosed();

    /** Called when a lease runs out and the table evicts one of this owner's holders. */
    default void onLeaseExpired(ResourceKey key, String token) {
    }
}
