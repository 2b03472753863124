package dev.switchboard.core.lock;

import static org.awaitility.Awaitility.await;

import dev.switchboard.core.util.MonotonicClock;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared set-up for the in-memory engine's own tests: a real wheel timer, a clock moved by hand and helpers that
 * turn the callback API into {@link Outcome}s.
 */
abstract class InMemoryLockEngineFixture {
    static final Duration NEVER = Duration.ofHours(1);
    static final Duration FAST = Duration.ofMillis(20);
    static final long LONG_WAIT_MS = 10_000;

    HashedWheelTimer timer;
    final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    final MonotonicClock clock = nanos::get;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** The owners of the tests, by id, to route lost leases to. */
    private final Map<Long, TestOwner> owners = new ConcurrentHashMap<>();

    @BeforeEach
    void startTimer() {
        timer = new HashedWheelTimer(new DefaultThreadFactory("test-timer", true), 5, TimeUnit.MILLISECONDS, 64);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        timer.stop();
    }

    /** A table whose sweep and GC never run during a test (housekeeping only by explicit calls). */
    InMemoryLockEngine table() {
        return table(0, 0, NEVER, NEVER, NEVER);
    }

    InMemoryLockEngine table(int maxKeys, int maxWaiters, Duration sweep, Duration gcInterval, Duration gcMaxIdle) {
        FenceGenerator fences = FenceGenerator.inMemory();
        InMemoryLockEngine t = new InMemoryLockEngine(new LockTableConfig(maxKeys, maxWaiters, sweep, gcInterval, gcMaxIdle),
                fences, timer, clock, (owner, key, token) -> owners.get(owner).expiredTokens.add(token));
        closeables.add(t);
        closeables.add(fences);
        return t;
    }

    TestOwner owner(LockEngine t) {
        return register(new TestOwner(t));
    }

    TestOwner owner(LockEngine t, long id) {
        return register(new TestOwner(t, id));
    }

    private TestOwner register(TestOwner o) {
        owners.put(o.ownerId(), o);
        return o;
    }

    void advanceMs(long ms) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5));
    }

    // ---- operations -----------------------------------------------------------------------

    static Outcome acquire(InMemoryLockEngine t, TestOwner o, ResourceKey key, int limit, long timeoutMs, long leaseMs) {
        Outcome out = new Outcome();
        t.acquire(o.ownerId(), key, limit, timeoutMs, leaseMs, out);
        return out;
    }

    static Outcome lock(InMemoryLockEngine t, TestOwner o, String key, long timeoutMs, long leaseMs) {
        return acquire(t, o, ResourceKey.lock(key), 1, timeoutMs, leaseMs);
    }

    static Outcome sem(InMemoryLockEngine t, TestOwner o, String key, int limit, long timeoutMs, long leaseMs) {
        return acquire(t, o, ResourceKey.semaphore(key), limit, timeoutMs, leaseMs);
    }

    static Outcome enqueue(InMemoryLockEngine t, TestOwner o, String key, long leaseMs) {
        Outcome out = new Outcome();
        t.enqueue(o.ownerId(), ResourceKey.lock(key), 1, leaseMs, out);
        return out;
    }

    static Outcome waitOn(InMemoryLockEngine t, TestOwner o, String key, long timeoutMs) {
        Outcome out = new Outcome();
        t.await(o.ownerId(), ResourceKey.lock(key), timeoutMs, out);
        return out;
    }

    static Outcome renew(InMemoryLockEngine t, ResourceKey key, String token, long leaseMs) {
        Outcome out = new Outcome();
        t.renew(key, token, leaseMs, out);
        return out;
    }

    static Outcome release(InMemoryLockEngine t, ResourceKey key, String token) {
        Outcome out = new Outcome();
        t.release(key, token, out);
        return out;
    }

    static Outcome releaseLock(InMemoryLockEngine t, String key, String token) {
        return release(t, ResourceKey.lock(key), token);
    }

    static LockStats stats(InMemoryLockEngine t) {
        try {
            return t.stats().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no stats within 5 s", e);
        }
    }

    static LockStats.LockInfo lockInfo(InMemoryLockEngine t, String key) {
        return stats(t).locks().stream().filter(l -> l.key().equals(key)).findFirst().orElse(null);
    }

    static int waitersOn(InMemoryLockEngine t, String key) {
        LockStats.LockInfo info = lockInfo(t, key);
        return info == null ? 0 : info.waiters();
    }

    static boolean isIdleLock(InMemoryLockEngine t, String key) {
        return stats(t).idleLocks().stream().anyMatch(i -> i.key().equals(key));
    }
}
