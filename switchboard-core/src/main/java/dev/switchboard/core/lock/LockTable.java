package dev.switchboard.core.lock;

import dev.switchboard.core.util.MonotonicClock;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Named FIFO locks and counting semaphores with leases, two-phase acquire and fencing tokens.
 *
 * <p>Keys are spread over shards; each shard's state changes on its own serial mailbox, so there
 * is no global lock on the acquire and release path. Every operation answers exactly once through
 * its callback, which may run on any thread: callers hop to their own thread if they need to.
 */
public final class LockTable implements AutoCloseable {
    private static final int SHARDS = 64;

    private final LockShard[] shards = new LockShard[SHARDS];
    private final LockTableConfig config;
    private final FenceGenerator fences;
    private final Timer timer;
    private final AtomicInteger keyCount = new AtomicInteger();
    private final List<Timeout> housekeeping = new ArrayList<>();
    private volatile boolean closed;

    public LockTable(LockTableConfig config, FenceGenerator fences, Timer timer, MonotonicClock clock) {
        this.config = config;
        this.fences = fences;
        this.timer = timer;
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new LockShard(this, clock, timer);
        }
        scheduleEvery(config.sweepInterval().toMillis(), this::sweepExpired);
        long maxIdleNanos = config.gcMaxIdle().toNanos();
        scheduleEvery(config.gcInterval().toMillis(), () -> collectIdle(maxIdleNanos));
    }

    /**
     * Waits up to {@code timeoutMs} (0 = try once) for a slot. Outcome: ACQUIRED, TIMEOUT or FAILED
     * (CANCELLED after the returned canceller ran while it waited).
     */
    public Runnable acquire(LockOwner owner, ResourceKey key, int limit, long timeoutMs, long leaseMs,
                            Consumer<LockOutcome> done) {
        LockShard shard = shardFor(key);
        PendingWait wait = new PendingWait();
        shard.executor.execute(() -> shard.acquire(owner, key, limitFor(key, limit), timeoutMs, leaseMs, done, wait));
        return () -> shard.executor.execute(() -> shard.cancel(wait));
    }

    /** Two-phase, first step: take a free slot now or join the queue. Outcome: ACQUIRED, QUEUED or FAILED. */
    public void enqueue(LockOwner owner, ResourceKey key, int limit, long leaseMs, Consumer<LockOutcome> done) {
        LockShard shard = shardFor(key);
        shard.executor.execute(() -> shard.enqueue(owner, key, limitFor(key, limit), leaseMs, done));
    }

    /**
     * Two-phase, second step: wait for the slot the owner enqueued for. Outcome: ACQUIRED, TIMEOUT
     * or FAILED (CANCELLED after the returned canceller ran while it waited; the owner's place in
     * the queue goes with it).
     */
    public Runnable await(LockOwner owner, ResourceKey key, long timeoutMs, Consumer<LockOutcome> done) {
        LockShard shard = shardFor(key);
        PendingWait wait = new PendingWait();
        shard.executor.execute(() -> shard.await(owner, key, timeoutMs, done, wait));
        return () -> shard.executor.execute(() -> shard.cancel(wait));
    }

    /** Restarts the lease of {@code token} at {@code leaseMs} from now. Outcome: RENEWED or FAILED. */
    public void renew(ResourceKey key, String token, long leaseMs, Consumer<LockOutcome> done) {
        LockShard shard = shardFor(key);
        shard.executor.execute(() -> shard.renew(key, token, leaseMs, done));
    }

    /** Frees the slot of {@code token} and hands it to the next waiter. Outcome: RELEASED or FAILED. */
    public void release(ResourceKey key, String token, Consumer<LockOutcome> done) {
        LockShard shard = shardFor(key);
        shard.executor.execute(() -> shard.release(key, token, done));
    }

    /** Ends the owner's pending waits on {@code key} (each answered CANCELLED); {@code done} gets how many. */
    public void cancelWaits(LockOwner owner, ResourceKey key, java.util.function.IntConsumer done) {
        LockShard shard = shardFor(key);
        shard.executor.execute(() -> done.accept(shard.cancelWaits(owner, key)));
    }

    /**
     * Cleans up after an owner that has ended: its waiters and two-phase state always go; its held
     * slots go when {@code releaseHeld} (otherwise they stay until their leases run out). The owner
     * must already report {@link LockOwner#isClosed()}.
     */
    public void releaseOwner(LockOwner owner, boolean releaseHeld) {
        for (ResourceKey key : List.copyOf(owner.lockKeys())) {
            LockShard shard = shardFor(key);
            shard.executor.execute(() -> shard.releaseOwner(owner, key, releaseHeld));
        }
    }

    public CompletableFuture<LockStats> stats() {
        LockStats.Builder builder = new LockStats.Builder();
        CompletableFuture<LockStats> result = new CompletableFuture<>();
        AtomicInteger remaining = new AtomicInteger(SHARDS);
        for (LockShard shard : shards) {
            shard.executor.execute(() -> {
                synchronized (builder) {
                    shard.collectStats(builder);
                }
                if (remaining.decrementAndGet() == 0) {
                    synchronized (builder) {
                        result.complete(builder.build());
                    }
                }
            });
        }
        return result;
    }

    /** Keys currently tracked, idle ones included. */
    public int keyCount() {
        return keyCount.get();
    }

    public FenceGenerator fences() {
        return fences;
    }

    int maxWaiters() {
        return config.maxWaiters();
    }

    /** Counts a new key against the cap, atomically, so concurrent shards cannot overshoot it. */
    boolean tryAddKey() {
        int max = config.maxKeys();
        while (true) {
            int n = keyCount.get();
            if (max > 0 && n >= max) return false;
            if (keyCount.compareAndSet(n, n + 1)) return true;
        }
    }

    void keyRemoved() {
        keyCount.decrementAndGet();
    }

    private void sweepExpired() {
        for (LockShard shard : shards) {
            shard.executor.execute(shard::sweepExpired);
        }
    }

    private void collectIdle(long maxIdleNanos) {
        for (LockShard shard : shards) {
            shard.executor.execute(() -> shard.collectIdle(maxIdleNanos));
        }
    }

    private static int limitFor(ResourceKey key, int limit) {
        return key.kind() == LockKind.LOCK ? 1 : limit;
    }

    private LockShard shardFor(ResourceKey key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        return shards[(h & 0x7fffffff) % SHARDS];
    }

    private void scheduleEvery(long periodMs, Runnable task) {
        synchronized (housekeeping) {
            if (closed) return;
            Timeout t = timer.newTimeout(timeout -> {
                task.run();
                scheduleEvery(periodMs, task);
            }, periodMs, TimeUnit.MILLISECONDS);
            housekeeping.add(t);
            housekeeping.removeIf(Timeout::isExpired);
        }
    }

    @Override
    public void close() {
        synchronized (housekeeping) {
            closed = true;
            housekeeping.forEach(Timeout::cancel);
            housekeeping.clear();
        }
    }
}
