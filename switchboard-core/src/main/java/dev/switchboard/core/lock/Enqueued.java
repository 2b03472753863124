package dev.switchboard.core.lock;

import io.netty.util.Timeout;
import java.util.function.Consumer;

/**
 * Two-phase state of one owner on one key, between enqueue and the end of wait: either still
 * queued ({@link #waiter}) or already granted ({@link #holder}); a pending wait may be attached.
 */
final class Enqueued {
    final OwnerState owner;
    final long leaseMs;
    Waiter waiter;
    Holder holder;
    Consumer<LockOutcome> pendingWait;
    Timeout waitTimer;

    Enqueued(OwnerState owner, long leaseMs) {
        this.owner = owner;
        this.leaseMs = leaseMs;
    }

    Consumer<LockOutcome> takePendingWait() {
        Consumer<LockOutcome> wait = pendingWait;
        pendingWait = null;
        if (waitTimer != null) {
            waitTimer.cancel();
            waitTimer = null;
        }
        return wait;
    }
}
