package dev.switchboard.core.lock;

import dev.switchboard.core.util.MonotonicClock;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The {@link LockEngine} of a single node, in memory.
 *
 * <p>Keys are spread over {@value #SHARDS} shards; each shard's state changes on its own serial
 * mailbox, so there is no global lock on the acquire and release path. A callback runs on the
 * thread that found the shard's mailbox idle (often the caller's), or on the one draining it.
 * Each mailbox holds at most {@link LockTableConfig#mailboxSize()} client requests; one more is
 * answered {@code BUSY} at once, on the caller's thread (see {@link ShardMailbox}). The
 * per-owner bookkeeping (which keys an owner has state on) lives in {@link OwnerState}s in a
 * concurrent map here, so that ending an owner visits exactly its keys.
 */
public final class InMemoryLockEngine implements LockEngine {
    private static final int SHARDS = 64;
    /** log2 of {@link #SHARDS}: the shard is taken from the top bits of the mixed hash. */
    private static final int SHARD_BITS = 6;

    private final LockShard[] shards = new LockShard[SHARDS];
    private final ConcurrentHashMap<Long, OwnerState> owners = new ConcurrentHashMap<>();
    private final LockTableConfig config;
    private final FenceSource fences;
    private final LockLostListener lost;
    private final Timer timer;
    private final AtomicInteger keyCount = new AtomicInteger();
    private final LongAdder busyRefusals = new LongAdder();
    private final List<Timeout> housekeeping = new ArrayList<>();
    private volatile boolean closed;

    public InMemoryLockEngine(LockTableConfig config, FenceSource fences, Timer timer, MonotonicClock clock,
                              LockLostListener lost) {
        this.config = config;
        this.fences = fences;
        this.timer = timer;
        this.lost = lost;
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new LockShard(this, clock, timer, config.mailboxSize());
        }
        scheduleEvery(config.sweepInterval().toMillis(), this::sweepExpired);
        long maxIdleNanos = config.gcMaxIdle().toNanos();
        scheduleEvery(config.gcInterval().toMillis(), () -> collectIdle(maxIdleNanos));
    }

    @Override
    public void ownerStarted(long ownerId) {
        owners.computeIfAbsent(ownerId, OwnerState::new);
    }

    /**
     * Marks the owner ended before reading its keys: the reverse of the order in which a shard
     * admits new state (it records the key, then checks for the end). See {@code LockShard.admit}.
     */
    @Override
    public void ownerEnded(long ownerId, boolean releaseHeld) {
        OwnerState owner = owners.remove(ownerId);
        if (owner == null) return;
        owner.markEnded();
        for (ResourceKey key : owner.keys()) {
            LockShard shard = shardFor(key);
            shard.mailbox.execute(() -> shard.releaseOwner(owner, key, releaseHeld));
        }
    }

    @Override
    public WaitHandle acquire(long ownerId, ResourceKey key, int limit, long timeoutMs, long leaseMs,
                              Consumer<LockOutcome> done) {
        OwnerState owner = owners.get(ownerId);
        LockShard shard = shardFor(key);
        PendingWait wait = new PendingWait();
        submit(shard, () -> shard.acquire(owner, key, limitFor(key, limit), timeoutMs, leaseMs, done, wait), done);
        return () -> shard.mailbox.execute(() -> shard.cancel(wait));
    }

    @Override
    public void enqueue(long ownerId, ResourceKey key, int limit, long leaseMs, Consumer<LockOutcome> done) {
        OwnerState owner = owners.get(ownerId);
        LockShard shard = shardFor(key);
        submit(shard, () -> shard.enqueue(owner, key, limitFor(key, limit), leaseMs, done), done);
    }

    @Override
    public WaitHandle await(long ownerId, ResourceKey key, long timeoutMs, Consumer<LockOutcome> done) {
        OwnerState owner = owners.get(ownerId);
        LockShard shard = shardFor(key);
        PendingWait wait = new PendingWait();
        Runnable task = () -> shard.await(owner, key, timeoutMs, done, wait);
        if (timeoutMs == 0) {
            shard.mailbox.execute(task); // the way out of a queue is never refused
        } else {
            submit(shard, task, done);
        }
        return () -> shard.mailbox.execute(() -> shard.cancel(wait));
    }

    @Override
    public void renew(ResourceKey key, String token, long leaseMs, Consumer<LockOutcome> done) {
        LockShard shard = shardFor(key);
        submit(shard, () -> shard.renew(key, token, leaseMs, done), done);
    }

    @Override
    public void release(ResourceKey key, String token, Consumer<LockOutcome> done) {
        LockShard shard = shardFor(key);
        shard.mailbox.execute(() -> shard.release(key, token, done));
    }

    @Override
    public void cancelWaits(long ownerId, ResourceKey key, IntConsumer done) {
        OwnerState owner = owners.get(ownerId);
        LockShard shard = shardFor(key);
        shard.mailbox.execute(() -> done.accept(shard.cancelWaits(owner, key)));
    }

    @Override
    public Set<ResourceKey> keysOf(long ownerId) {
        OwnerState owner = owners.get(ownerId);
        return owner == null ? Set.of() : owner.keys();
    }

    @Override
    public CompletableFuture<LockStats> stats() {
        LockStats.Builder builder = new LockStats.Builder();
        return overAllShards(builder::add, builder::build);
    }

    @Override
    public CompletableFuture<LockInspection> inspect(int maxItems) {
        LockInspection.Builder builder = new LockInspection.Builder(maxItems);
        return overAllShards(builder::add, builder::build);
    }

    /**
     * Runs {@code visit} over every resource, each on its own shard, then completes with
     * {@code build}: the shards run concurrently, so both are called under one monitor.
     */
    private <R> CompletableFuture<R> overAllShards(java.util.function.ObjLongConsumer<Resource> visit,
                                                   java.util.function.Supplier<R> build) {
        Object monitor = new Object();
        CompletableFuture<R> result = new CompletableFuture<>();
        AtomicInteger remaining = new AtomicInteger(SHARDS);
        for (LockShard shard : shards) {
            shard.mailbox.execute(() -> {
                synchronized (monitor) {
                    shard.visit(visit);
                }
                if (remaining.decrementAndGet() == 0) {
                    synchronized (monitor) {
                        result.complete(build.get());
                    }
                }
            });
        }
        return result;
    }

    @Override
    public int keyCount() {
        return keyCount.get();
    }

    @Override
    public long busyRefusals() {
        return busyRefusals.sum();
    }

    // ---- for the shards --------------------------------------------------------------------

    int maxWaiters() {
        return config.maxWaiters();
    }

    String nextToken() {
        return fences.nextToken();
    }

    void lockLost(OwnerState owner, ResourceKey key, String token) {
        lost.lockLost(owner.id, key, token);
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

    // ---- internals -------------------------------------------------------------------------

    private void sweepExpired() {
        for (LockShard shard : shards) {
            shard.mailbox.execute(shard::sweepExpired);
        }
    }

    private void collectIdle(long maxIdleNanos) {
        for (LockShard shard : shards) {
            shard.mailbox.execute(() -> shard.collectIdle(maxIdleNanos));
        }
    }

    /** Queues a client request on its shard, or answers it BUSY when the shard's mailbox is full. */
    private void submit(LockShard shard, Runnable request, Consumer<LockOutcome> done) {
        if (!shard.mailbox.offer(request)) {
            busyRefusals.increment();
            done.accept(LockOutcome.failed(LockError.BUSY));
        }
    }

    private static int limitFor(ResourceKey key, int limit) {
        return key.kind() == LockKind.LOCK ? 1 : limit;
    }

    /**
     * The shard of a key, from the TOP bits of the hash times a Fibonacci constant. Each shard's
     * HashMap indexes on the low bits of the same hash, so a shard picked from the low bits would
     * leave all but 1/{@value #SHARDS} of every shard's buckets empty (and its bins overfull).
     */
    static int shardIndex(ResourceKey key) {
        return (key.hashCode() * 0x9E3779B9) >>> (32 - SHARD_BITS);
    }

    private LockShard shardFor(ResourceKey key) {
        return shards[shardIndex(key)];
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
