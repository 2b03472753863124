package dev.switchboard.core.lock;

import java.time.Duration;

/**
 * Limits and timers of the lock table.
 *
 * @param maxKeys        lock plus semaphore keys at once, idle keys included until collected; 0 = unlimited
 * @param maxWaiters     waiters per key; 0 = unlimited
 * @param sweepInterval  how often expired leases are evicted
 * @param gcInterval     how often idle keys are collected
 * @param gcMaxIdle      how long a key with no holder and no waiter stays before it is collected
 * @param mailboxSize    client requests that may wait in one shard's mailbox (of 64); one more is
 *                       refused BUSY
 */
public record LockTableConfig(int maxKeys, int maxWaiters, Duration sweepInterval, Duration gcInterval,
                              Duration gcMaxIdle, int mailboxSize) {
    public static final int DEFAULT_MAILBOX_SIZE = 4096;

    public LockTableConfig {
        if (mailboxSize < 1) throw new IllegalArgumentException("mailboxSize must be at least 1");
    }

    public LockTableConfig(int maxKeys, int maxWaiters, Duration sweepInterval, Duration gcInterval,
                           Duration gcMaxIdle) {
        this(maxKeys, maxWaiters, sweepInterval, gcInterval, gcMaxIdle, DEFAULT_MAILBOX_SIZE);
    }

    public static LockTableConfig defaults() {
        return new LockTableConfig(1024, 0, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }
}
