package dev.switchboard.core.lock;

import dev.switchboard.core.util.SerialExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shard's serial mailbox with a bound on the client requests waiting in it. A client request
 * that finds {@code capacity} requests queued ahead of it is refused at once (the caller answers
 * it {@code BUSY}) instead of growing the queue without end. Internal work — timers, cancels,
 * an ended owner's cleanup, housekeeping — is never refused: dropping it would break an answer
 * or leave state behind, and it is bounded by the state that exists.
 */
final class ShardMailbox {
    private final SerialExecutor executor = new SerialExecutor();
    /** Client requests accepted and not yet started. */
    private final AtomicInteger queued = new AtomicInteger();
    private final int capacity;

    ShardMailbox(int capacity) {
        this.capacity = capacity;
    }

    /** Queues a client request; false (and nothing queued) when {@code capacity} are waiting already. */
    boolean offer(Runnable request) {
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            return false;
        }
        executor.execute(() -> {
            queued.decrementAndGet();
            request.run();
        });
        return true;
    }

    /** Queues internal work, whatever the queue holds. */
    void execute(Runnable task) {
        executor.execute(task);
    }
}
