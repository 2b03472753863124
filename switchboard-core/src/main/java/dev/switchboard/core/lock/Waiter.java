package dev.switchboard.core.lock;

import io.netty.util.Timeout;
import java.util.function.Consumer;

/**
 * A queued request for a slot. A single-phase waiter carries the callback that gets the grant; a
 * two-phase waiter belongs to an {@link Enqueued} state, whose pending wait gets it. Waiters link
 * into their resource's queue themselves ({@link #prev}, {@link #next}), so a queue costs nothing
 * until someone waits and any waiter leaves it in constant time.
 */
final class Waiter {
    final OwnerState owner;
    final long leaseMs;
    final Enqueued enqueued;
    Consumer<LockOutcome> callback;
    Timeout timer;
    Waiter prev;
    Waiter next;
    boolean queued;

    Waiter(OwnerState owner, long leaseMs, Enqueued enqueued, Consumer<LockOutcome> callback) {
        this.owner = owner;
        this.leaseMs = leaseMs;
        this.enqueued = enqueued;
        this.callback = callback;
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }
}
