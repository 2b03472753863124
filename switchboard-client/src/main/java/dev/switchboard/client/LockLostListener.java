package dev.switchboard.client;

/**
 * Told when a {@link Lock} stops holding its slot without {@code release}: a renewal failed
 * ({@link NotHeldException}, {@link LeaseExpiredException}), the session was lost while
 * reconnecting ({@link SessionLostException}), or the client stopped for good
 * ({@link ConnectionClosedException}). The work the lock protected must stop; another holder may
 * already be inside. Runs on the client's callback executor, so it may block.
 */
@FunctionalInterface
public interface LockLostListener {
    void onLockLost(LockLost lost);
}
