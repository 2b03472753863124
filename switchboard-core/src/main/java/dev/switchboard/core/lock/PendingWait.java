package dev.switchboard.core.lock;

import java.util.function.Consumer;

/**
 * What one request is waiting for in a shard, so that exactly that wait can be cancelled: a
 * single-phase waiter, or a two-phase owner's pending wait. Written and read in the shard's
 * mailbox only.
 */
final class PendingWait {
    Resource resource;
    Waiter waiter;
    Enqueued enqueued;
    Consumer<LockOutcome> callback;
}
