package dev.switchboard.core.lock;

import io.netty.util.Timeout;
import java.util.function.Consumer;

/**
 * A queued request for a slot. A single-phase waiter carries the callback that gets the grant; a
 * two-phase waiter belongs to an {@link Enqueued} state, whose pending wait gets it.
 */
final class Waiter {
    final LockOwner owner;
    final long leaseMs;
    final Enqueued enqueued;
    Consumer<LockOutcome> callback;
    Timeout timer;

    Waiter(LockOwner owner, long leaseMs, Enqueued enqueued, Consumer<LockOutcome> callback) {
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
