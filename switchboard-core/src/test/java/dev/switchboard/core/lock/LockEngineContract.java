package dev.switchboard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.lock.LockOutcome.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import dev.switchboard.core.time.VirtualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LockEngine} must do, whatever keeps its state: run it by extending this class
 * and saying how to build the engine. Time is virtual (the node's {@link VirtualClock}): a test moves it and
 * sees leases run out and waits time out without sleeping.
 */
public abstract class LockEngineContract {
    private static final Pattern TOKEN = Pattern.compile("^[0-9a-f]{32}$");
    private static final long LEASE = 30_000;
    private static final long LONG_WAIT = 60_000;
    /** How often the engines under test look for expired leases. */
    protected static final Duration SWEEP = Duration.ofMillis(100);
    private static final Duration NEVER = Duration.ofDays(1);

    /** A lease the engine took back, as its listener heard it. */
    protected record Lost(long ownerId, ResourceKey key, String token) {
    }

    protected VirtualClock time;
    protected final LinkedBlockingQueue<Lost> lost = new LinkedBlockingQueue<>();
    private final List<LockEngine> engines = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong(100);

    /**
     * A new engine with these limits, fences from {@code fences}, time from {@code time} (its
     * clock and its timer) and lost leases reported to {@code lost}.
     */
    protected abstract LockEngine createEngine(LockTableConfig config, FenceSource fences, VirtualClock time,
                                               LockLostListener lost);

    /** Moves virtual time forward, running every timer task that falls due on the way. */
    protected void advanceMs(long ms) {
        time.advance(Duration.ofMillis(ms));
    }

    @BeforeEach
    void startTime() {
        time = new VirtualClock();
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(LockEngine::close);
        time.stop();
    }

    private LockEngine engine() {
        return engine(0, 0);
    }

    private LockEngine engine(int maxKeys, int maxWaiters) {
        return engine(new LockTableConfig(maxKeys, maxWaiters, SWEEP, NEVER, NEVER));
    }

    private LockEngine engine(LockTableConfig config) {
        LockEngine e = createEngine(config, FenceGenerator.inMemory(), time,
                (owner, key, token) -> lost.add(new Lost(owner, key, token)));
        engines.add(e);
        return e;
    }

    private long owner(LockEngine e) {
        long id = ids.incrementAndGet();
        e.ownerStarted(id);
        return id;
    }

    private static Outcome lock(LockEngine e, long owner, String key, long timeoutMs, long leaseMs) {
        Outcome out = new Outcome();
        e.acquire(owner, ResourceKey.lock(key), 1, timeoutMs, leaseMs, out);
        return out;
    }

    private static Outcome sem(LockEngine e, long owner, String key, int limit, long timeoutMs) {
        Outcome out = new Outcome();
        e.acquire(owner, ResourceKey.semaphore(key), limit, timeoutMs, LEASE, out);
        return out;
    }

    private static Outcome enqueue(LockEngine e, long owner, String key, long leaseMs) {
        Outcome out = new Outcome();
        e.enqueue(owner, ResourceKey.lock(key), 1, leaseMs, out);
        return out;
    }

    private static Outcome await(LockEngine e, long owner, String key, long timeoutMs) {
        Outcome out = new Outcome();
        e.await(owner, ResourceKey.lock(key), timeoutMs, out);
        return out;
    }

    private static Outcome release(LockEngine e, ResourceKey key, String token) {
        Outcome out = new Outcome();
        e.release(key, token, out);
        return out;
    }

    private static Outcome renew(LockEngine e, ResourceKey key, String token, long leaseMs) {
        Outcome out = new Outcome();
        e.renew(key, token, leaseMs, out);
        return out;
    }

    private static LockStats stats(LockEngine e) {
        return e.stats().orTimeout(5, TimeUnit.SECONDS).join();
    }

    private static LockStats.LockInfo lockInfo(LockEngine e, String key) {
        return stats(e).locks().stream().filter(l -> l.key().equals(key)).findFirst().orElse(null);
    }

    private static int cancelWaits(LockEngine e, long owner, ResourceKey key) {
        CompletableFuture<Integer> n = new CompletableFuture<>();
        e.cancelWaits(owner, key, n::complete);
        return n.orTimeout(5, TimeUnit.SECONDS).join();
    }

    private static long fence(String token) {
        return FenceGenerator.fenceOf(token);
    }

    // ---- FIFO and fences -----------------------------------------------------------------------

    @Test
    void waitersAreGrantedInArrivalOrderWithStrictlyGrowingFences() {
        LockEngine e = engine();
        String token = lock(e, owner(e), "k", 0, LEASE).token();
        List<Long> owners = new ArrayList<>();
        List<Outcome> waits = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long o = owner(e);
            owners.add(o);
            waits.add(lock(e, o, "k", LONG_WAIT, LEASE));
        }
        assertThat(waits).noneMatch(Outcome::isDone);
        long lastFence = fence(token);
        for (int i = 0; i < 10; i++) {
            release(e, ResourceKey.lock("k"), token).assertStatus(Status.RELEASED);
            token = waits.get(i).token();
            assertThat(token).matches(TOKEN);
            assertThat(fence(token)).isGreaterThan(lastFence);
            lastFence = fence(token);
            assertThat(lockInfo(e, "k").ownerId()).isEqualTo(owners.get(i));
            for (int j = i + 1; j < 10; j++) assertThat(waits.get(j).isDone()).isFalse();
        }
        assertThat(waits).allMatch(w -> w.calls() == 1);
    }

    @Test
    void aFreeSlotIsNeverTakenPastAWaiter() {
        LockEngine e = engine();
        long a = owner(e);
        String ta = sem(e, a, "pool", 2, 0).token();
        String tb = sem(e, a, "pool", 2, 0).token();
        Outcome first = sem(e, owner(e), "pool", 2, LONG_WAIT);
        Outcome second = sem(e, owner(e), "pool", 2, LONG_WAIT);

        release(e, ResourceKey.semaphore("pool"), ta).assertStatus(Status.RELEASED);
        first.acquired();
        // A newcomer with timeout 0 does not overtake the queue.
        sem(e, owner(e), "pool", 2, 0).assertStatus(Status.TIMEOUT);
        release(e, ResourceKey.semaphore("pool"), tb).assertStatus(Status.RELEASED);
        second.acquired();
    }

    @Test
    void fencesGrowPerKeyAcrossLocksSemaphoresAndTwoPhaseGrants() {
        LockEngine e = engine();
        long a = owner(e);
        long last = 0;
        for (int i = 0; i < 5; i++) {
            String t = lock(e, a, "k", 0, LEASE).token();
            assertThat(fence(t)).isGreaterThan(last);
            last = fence(t);
            release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
            String t2 = enqueue(e, a, "k", LEASE).token();
            assertThat(await(e, a, "k", 0).token()).isEqualTo(t2);
            assertThat(fence(t2)).isGreaterThan(last);
            last = fence(t2);
            release(e, ResourceKey.lock("k"), t2).assertStatus(Status.RELEASED);
        }
        long semLast = 0;
        for (int i = 0; i < 5; i++) {
            String t = sem(e, a, "s", 5, 0).token();
            assertThat(fence(t)).isGreaterThan(semLast);
            semLast = fence(t);
        }
    }

    // ---- semaphores and limits ---------------------------------------------------------------

    @Test
    void aSemaphoreGrantsUpToItsLimitThenQueues() {
        LockEngine e = engine();
        long a = owner(e);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) tokens.add(sem(e, a, "pool", 3, 0).token());
        assertThat(tokens).doesNotHaveDuplicates();

        sem(e, owner(e), "pool", 3, 0).assertStatus(Status.TIMEOUT);
        Outcome waiting = sem(e, owner(e), "pool", 3, LONG_WAIT);
        assertThat(waiting.isDone()).isFalse();
        LockStats.SemaphoreInfo info = stats(e).semaphores().get(0);
        assertThat(info).isEqualTo(new LockStats.SemaphoreInfo("pool", 3, 3, 1));

        release(e, ResourceKey.semaphore("pool"), tokens.get(1)).assertStatus(Status.RELEASED);
        waiting.acquired();
    }

    @Test
    void aKeyKeepsTheLimitItWasCreatedWithAndNamespacesAreSeparate() {
        LockEngine e = engine();
        long a = owner(e);
        sem(e, a, "k", 2, 0).acquired();

        sem(e, a, "k", 3, 0).assertFailed(LockError.LIMIT_MISMATCH);
        Outcome twoPhase = new Outcome();
        e.enqueue(a, ResourceKey.semaphore("k"), 5, LEASE, twoPhase);
        twoPhase.assertFailed(LockError.LIMIT_MISMATCH);
        // The lock "k" is another key.
        lock(e, a, "k", 0, LEASE).acquired();
        sem(e, a, "k", 2, 0).acquired();
    }

    @Test
    void aLockIsAlwaysOfLimitOne() {
        LockEngine e = engine();
        Outcome out = new Outcome();
        e.acquire(owner(e), ResourceKey.lock("k"), 5, 0, LEASE, out);
        out.acquired();
        lock(e, owner(e), "k", 0, LEASE).assertStatus(Status.TIMEOUT);
    }

    @Test
    void theKeyCapCountsIdleKeysOfBothNamespaces() {
        LockEngine e = engine(2, 0);
        long a = owner(e);
        String t = lock(e, a, "a", 0, LEASE).token();
        sem(e, a, "b", 2, 0).acquired();
        release(e, ResourceKey.lock("a"), t).assertStatus(Status.RELEASED);

        lock(e, a, "c", 0, LEASE).assertFailed(LockError.MAX_LOCKS);
        enqueue(e, a, "c", LEASE).assertFailed(LockError.MAX_LOCKS);
        sem(e, a, "c", 2, 0).assertFailed(LockError.MAX_LOCKS);
        assertThat(e.keyCount()).isEqualTo(2);
        assertThat(e.keysOf(a)).containsExactly(ResourceKey.semaphore("b"));
        lock(e, a, "a", 0, LEASE).acquired();
    }

    @Test
    void theWaiterCapIsPerKeyAndCheckedBeforeTheTimeout() {
        LockEngine e = engine(0, 1);
        String t = lock(e, owner(e), "k", 0, LEASE).token();
        Outcome w = lock(e, owner(e), "k", LONG_WAIT, LEASE);
        long late = owner(e);

        lock(e, late, "k", LONG_WAIT, LEASE).assertFailed(LockError.MAX_WAITERS);
        lock(e, late, "k", 0, LEASE).assertFailed(LockError.MAX_WAITERS);
        enqueue(e, late, "k", LEASE).assertFailed(LockError.MAX_WAITERS);
        assertThat(e.keysOf(late)).isEmpty();
        lock(e, late, "other", 0, LEASE).acquired();

        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
        w.acquired();
        Outcome again = lock(e, late, "k", LONG_WAIT, LEASE);
        assertThat(again.isDone()).isFalse();
    }

    // ---- two-phase -----------------------------------------------------------------------------

    @Test
    void enqueueOnAFreeKeyHoldsAtOnceAndTheWaitConfirmsTheSameToken() {
        LockEngine e = engine();
        long a = owner(e);
        LockOutcome granted = enqueue(e, a, "k", 9_000).acquired();
        enqueue(e, a, "k", 9_000).assertFailed(LockError.ALREADY_ENQUEUED);

        LockOutcome confirmed = await(e, a, "k", 0).acquired();
        assertThat(confirmed.token()).isEqualTo(granted.token());
        assertThat(confirmed.leaseMs()).isEqualTo(9_000);
        await(e, a, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        assertThat(lockInfo(e, "k").ownerId()).isEqualTo(a);
    }

    @Test
    void enqueueBehindAHolderQueuesAndTheWaitGetsTheSlotOnRelease() {
        LockEngine e = engine();
        String t = lock(e, owner(e), "k", 0, LEASE).token();
        long b = owner(e);
        enqueue(e, b, "k", LEASE).assertStatus(Status.QUEUED);
        assertThat(e.keysOf(b)).containsExactly(ResourceKey.lock("k"));

        Outcome wait = await(e, b, "k", LONG_WAIT);
        await(e, b, "k", LONG_WAIT).assertFailed(LockError.ALREADY_WAITING);
        assertThat(wait.isDone()).isFalse();
        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);

        assertThat(fence(wait.token())).isGreaterThan(fence(t));
        await(e, b, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
    }

    @Test
    void aSlotGrantedBetweenEnqueueAndWaitIsHeldUnderItsLease() {
        LockEngine e = engine();
        String t = lock(e, owner(e), "k", 0, LEASE).token();
        long b = owner(e);
        enqueue(e, b, "k", 1_000).assertStatus(Status.QUEUED);
        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
        assertThat(lockInfo(e, "k").ownerId()).isEqualTo(b);

        advanceMs(1_000 + SWEEP.toMillis());
        await(e, b, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        assertThat(lost).extracting(Lost::ownerId).containsExactly(b);
    }

    @Test
    void aTwoPhaseWaitThatTimesOutGivesUpItsPlace() {
        LockEngine e = engine();
        String t = lock(e, owner(e), "k", 0, LEASE).token();
        long b = owner(e);
        enqueue(e, b, "k", LEASE).assertStatus(Status.QUEUED);
        Outcome wait = await(e, b, "k", 500);
        advanceMs(499);
        assertThat(wait.isDone()).isFalse();
        advanceMs(1);

        wait.assertStatus(Status.TIMEOUT);
        assertThat(e.keysOf(b)).isEmpty();
        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
        assertThat(lockInfo(e, "k")).isNull();
    }

    // ---- renew, release, leases ----------------------------------------------------------------

    @Test
    void renewRestartsTheLease() {
        LockEngine e = engine();
        long a = owner(e);
        String t = lock(e, a, "k", 0, 1_000).token();
        advanceMs(800);
        LockOutcome renewed = renew(e, ResourceKey.lock("k"), t, 1_000).get();
        assertThat(renewed.status()).isEqualTo(Status.RENEWED);
        assertThat(renewed.leaseMs()).isEqualTo(1_000);

        advanceMs(800);
        assertThat(lost).isEmpty();
        assertThat(lockInfo(e, "k").ownerId()).isEqualTo(a);
        renew(e, ResourceKey.lock("k"), "0123456789abcdef0123456789abcdef", 1_000).assertFailed(LockError.NOT_HELD);
        renew(e, ResourceKey.semaphore("k"), t, 1_000).assertFailed(LockError.NOT_HELD);
    }

    @Test
    void anExpiredLeaseIsNeverRenewed() {
        LockEngine e = engine(new LockTableConfig(0, 0, NEVER, NEVER, NEVER)); // only a touch notices
        long a = owner(e);
        String t = lock(e, a, "k", 0, 1_000).token();
        advanceMs(1_000);

        renew(e, ResourceKey.lock("k"), t, 1_000).assertFailed(LockError.LEASE_EXPIRED);
        renew(e, ResourceKey.lock("k"), t, 1_000).assertFailed(LockError.NOT_HELD);
        assertThat(e.keysOf(a)).isEmpty();
    }

    @Test
    void releaseNeedsTheTokenOfTheKeyInItsNamespace() {
        LockEngine e = engine();
        long a = owner(e);
        String t = lock(e, a, "k", 0, LEASE).token();

        release(e, ResourceKey.lock("k"), "0123456789abcdef0123456789abcdef").assertFailed(LockError.NOT_HELD);
        release(e, ResourceKey.lock("other"), t).assertFailed(LockError.NOT_HELD);
        release(e, ResourceKey.semaphore("k"), t).assertFailed(LockError.NOT_HELD);
        assertThat(lockInfo(e, "k").ownerId()).isEqualTo(a);
        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
        release(e, ResourceKey.lock("k"), t).assertFailed(LockError.NOT_HELD);
        assertThat(e.keysOf(a)).isEmpty();
    }

    @Test
    void anExpiredLeaseIsReportedLostOnceAndItsSlotGoesToTheNextWaiter() {
        LockEngine e = engine();
        long a = owner(e);
        String t = lock(e, a, "k", 0, 1_000).token();
        long b = owner(e);
        Outcome waiting = lock(e, b, "k", LONG_WAIT, LEASE);

        advanceMs(999);
        assertThat(waiting.isDone()).isFalse();
        advanceMs(1 + SWEEP.toMillis());

        assertThat(lost).containsExactly(new Lost(a, ResourceKey.lock("k"), t));
        assertThat(fence(waiting.token())).isGreaterThan(fence(t));
        assertThat(lockInfo(e, "k").ownerId()).isEqualTo(b);
        assertThat(e.keysOf(a)).isEmpty();
        advanceMs(10 * SWEEP.toMillis());
        assertThat(lost).hasSize(1);
        release(e, ResourceKey.lock("k"), t).assertFailed(LockError.NOT_HELD);
    }

    // ---- timeouts and cancelling ---------------------------------------------------------------

    @Test
    void aWaitTimesOutAfterItsTimeoutAndLeavesNothingQueued() {
        LockEngine e = engine();
        String t = lock(e, owner(e), "k", 0, LEASE).token();
        long b = owner(e);
        Outcome waiting = lock(e, b, "k", 500, LEASE);
        advanceMs(499);
        assertThat(waiting.isDone()).isFalse();
        advanceMs(1);

        waiting.assertStatus(Status.TIMEOUT);
        assertThat(e.keysOf(b)).isEmpty();
        assertThat(lockInfo(e, "k").waiters()).isZero();
        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
        assertThat(waiting.calls()).isEqualTo(1);
    }

    @Test
    void theCancelHandleEndsExactlyItsOwnWaitOnce() {
        LockEngine e = engine();
        String t = lock(e, owner(e), "k", 0, LEASE).token();
        long b = owner(e);
        Outcome first = new Outcome();
        WaitHandle handle = e.acquire(b, ResourceKey.lock("k"), 1, LONG_WAIT, LEASE, first);
        Outcome second = lock(e, b, "k", LONG_WAIT, LEASE);

        handle.cancel();
        first.assertFailed(LockError.CANCELLED);
        handle.cancel();
        assertThat(second.isDone()).isFalse();
        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
        second.acquired();
        assertThat(first.calls()).isEqualTo(1);
        assertThat(second.calls()).isEqualTo(1);
    }

    @Test
    void cancellingAnAnsweredRequestDoesNothing() {
        LockEngine e = engine();
        Outcome out = new Outcome();
        WaitHandle handle = e.acquire(owner(e), ResourceKey.lock("k"), 1, LONG_WAIT, LEASE, out);
        String t = out.token();
        handle.cancel();
        assertThat(out.calls()).isEqualTo(1);
        assertThat(lockInfo(e, "k")).isNotNull();
        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
    }

    @Test
    void cancellingATwoPhaseWaitGivesUpThePlace() {
        LockEngine e = engine();
        String t = lock(e, owner(e), "k", 0, LEASE).token();
        long b = owner(e);
        enqueue(e, b, "k", LEASE).assertStatus(Status.QUEUED);
        Outcome wait = new Outcome();
        WaitHandle handle = e.await(b, ResourceKey.lock("k"), LONG_WAIT, wait);

        handle.cancel();
        wait.assertFailed(LockError.CANCELLED);
        await(e, b, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
        assertThat(lockInfo(e, "k")).isNull();
    }

    @Test
    void cancelWaitsEndsTheOwnersWaitsOnTheKeyAndCountsThem() {
        LockEngine e = engine();
        String t = lock(e, owner(e), "k", 0, LEASE).token();
        long b = owner(e);
        Outcome w1 = lock(e, b, "k", LONG_WAIT, LEASE);
        Outcome w2 = lock(e, b, "k", LONG_WAIT, LEASE);
        long c = owner(e);
        Outcome other = lock(e, c, "k", LONG_WAIT, LEASE);

        assertThat(cancelWaits(e, b, ResourceKey.lock("k"))).isEqualTo(2);
        w1.assertFailed(LockError.CANCELLED);
        w2.assertFailed(LockError.CANCELLED);
        assertThat(cancelWaits(e, b, ResourceKey.lock("k"))).isZero();
        assertThat(cancelWaits(e, 999_999, ResourceKey.lock("k"))).isZero();
        // A two-phase place with no pending wait is not a wait: it stays.
        enqueue(e, b, "k", LEASE).assertStatus(Status.QUEUED);
        assertThat(cancelWaits(e, b, ResourceKey.lock("k"))).isZero();
        Outcome pending = await(e, b, "k", LONG_WAIT);
        assertThat(cancelWaits(e, b, ResourceKey.lock("k"))).isEqualTo(1);
        pending.assertFailed(LockError.CANCELLED);

        release(e, ResourceKey.lock("k"), t).assertStatus(Status.RELEASED);
        other.acquired();
        assertThat(e.keysOf(b)).isEmpty();
    }

    // ---- owners --------------------------------------------------------------------------------

    @Test
    void anUnknownOrEndedOwnerCannotGainState() {
        LockEngine e = engine();
        long never = 424_242;
        lock(e, never, "k", 0, LEASE).assertFailed(LockError.OWNER_CLOSED);
        enqueue(e, never, "k", LEASE).assertFailed(LockError.OWNER_CLOSED);
        await(e, never, "k", 0).assertFailed(LockError.OWNER_CLOSED);

        long a = owner(e);
        e.ownerEnded(a, true);
        lock(e, a, "k", 0, LEASE).assertFailed(LockError.OWNER_CLOSED);
        sem(e, a, "s", 2, LONG_WAIT).assertFailed(LockError.OWNER_CLOSED);
        assertThat(e.keysOf(a)).isEmpty();
        assertThat(stats(e).locks()).isEmpty();
        assertThat(stats(e).semaphores()).isEmpty();
    }

    @Test
    void anOwnerEndingWithReleaseHeldLeavesNothingAndHandsItsSlotsOn() {
        LockEngine e = engine();
        long a = owner(e);
        lock(e, a, "held", 0, LEASE).acquired();
        sem(e, a, "pool", 1, 0).acquired();
        String blocker = lock(e, owner(e), "busy", 0, LEASE).token();
        Outcome aWaits = lock(e, a, "busy", LONG_WAIT, LEASE);
        enqueue(e, a, "two", LEASE).acquired();
        long b = owner(e);
        Outcome bWaits = lock(e, b, "held", LONG_WAIT, LEASE);
        Outcome bSem = sem(e, b, "pool", 1, LONG_WAIT);
        assertThat(e.keysOf(a)).hasSize(4);

        e.ownerEnded(a, true);

        aWaits.assertFailed(LockError.OWNER_CLOSED);
        bWaits.acquired();
        bSem.acquired();
        assertThat(e.keysOf(a)).isEmpty();
        assertThat(stats(e).locks()).extracting(LockStats.LockInfo::ownerId).doesNotContain(a);
        release(e, ResourceKey.lock("busy"), blocker).assertStatus(Status.RELEASED);
        assertThat(lockInfo(e, "busy")).isNull();
        advanceMs(LEASE * 2);
        assertThat(lost).extracting(Lost::ownerId).doesNotContain(a);
    }

    @Test
    void anOwnerEndingWithoutReleaseHeldKeepsItsSlotsUntilTheirLeasesRunOut() {
        LockEngine e = engine();
        long a = owner(e);
        String t = lock(e, a, "held", 0, 1_000).token();
        String blocker = lock(e, owner(e), "busy", 0, LEASE).token();
        Outcome aWaits = lock(e, a, "busy", LONG_WAIT, LEASE);
        long b = owner(e);
        Outcome bWaits = lock(e, b, "held", LONG_WAIT, LEASE);

        e.ownerEnded(a, false);

        aWaits.assertFailed(LockError.OWNER_CLOSED);
        assertThat(lockInfo(e, "held").ownerId()).isEqualTo(a);
        assertThat(bWaits.isDone()).isFalse();
        advanceMs(1_000 + SWEEP.toMillis());
        assertThat(lost).containsExactly(new Lost(a, ResourceKey.lock("held"), t));
        bWaits.acquired();
        release(e, ResourceKey.lock("busy"), blocker).assertStatus(Status.RELEASED);
        assertThat(lockInfo(e, "busy")).isNull();
    }

    @Test
    void anIdStartedAgainAfterItsEndIsANewOwner() {
        LockEngine e = engine();
        long a = owner(e);
        lock(e, a, "old", 0, LEASE).acquired();
        e.ownerEnded(a, false);
        e.ownerStarted(a);

        assertThat(e.keysOf(a)).isEmpty();
        lock(e, a, "new", 0, LEASE).acquired();
        assertThat(e.keysOf(a)).containsExactly(ResourceKey.lock("new"));
    }

    @Test
    void keysOfFollowsHoldersWaitersAndTwoPhaseState() {
        LockEngine e = engine();
        long a = owner(e);
        String held = lock(e, a, "held", 0, LEASE).token();
        String blocker = lock(e, owner(e), "busy", 0, LEASE).token();
        Outcome waiting = lock(e, a, "busy", LONG_WAIT, LEASE);
        lock(e, owner(e), "queue", 0, LEASE).acquired();
        enqueue(e, a, "queue", LEASE).assertStatus(Status.QUEUED);

        assertThat(e.keysOf(a)).containsExactlyInAnyOrder(ResourceKey.lock("held"), ResourceKey.lock("busy"),
                ResourceKey.lock("queue"));
        release(e, ResourceKey.lock("held"), held).assertStatus(Status.RELEASED);
        assertThat(e.keysOf(a)).containsExactlyInAnyOrder(ResourceKey.lock("busy"), ResourceKey.lock("queue"));
        release(e, ResourceKey.lock("busy"), blocker).assertStatus(Status.RELEASED);
        release(e, ResourceKey.lock("busy"), waiting.token()).assertStatus(Status.RELEASED);
        await(e, a, "queue", 0).assertStatus(Status.TIMEOUT);
        assertThat(e.keysOf(a)).isEmpty();
    }

    /**
     * An owner ending while its acquires are being admitted must never leave state behind: each
     * acquire either answers OWNER_CLOSED or its grant is cleaned up by the end.
     */
    @Test
    void anOwnerEndingDuringItsAcquiresLeavesNothingBehind() throws Exception {
        LockEngine e = engine();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                long a = owner(e);
                String prefix = "r" + round + "-";
                int spins = 50 * (round % 4); // end at various points of the burst
                CountDownLatch go = new CountDownLatch(1);
                Future<List<Outcome>> acquires = pool.submit(() -> {
                    List<Outcome> outs = new ArrayList<>();
                    go.await();
                    for (int i = 0; i < 200; i++) outs.add(lock(e, a, prefix + i, 0, LEASE));
                    return outs;
                });
                Future<?> end = pool.submit(() -> {
                    go.await();
                    for (int spin = 0; spin < spins; spin++) Thread.onSpinWait();
                    e.ownerEnded(a, true);
                    return null;
                });
                go.countDown();
                end.get(10, TimeUnit.SECONDS);
                for (Outcome o : acquires.get(10, TimeUnit.SECONDS)) {
                    LockOutcome r = o.get();
                    assertThat(r.status() == Status.ACQUIRED || r.error() == LockError.OWNER_CLOSED)
                            .as("outcome %s", r).isTrue();
                    assertThat(o.calls()).isEqualTo(1);
                }
                assertThat(stats(e).locks()).extracting(LockStats.LockInfo::ownerId).doesNotContain(a);
                assertThat(e.keysOf(a)).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- exactly once --------------------------------------------------------------------------

    @Test
    void everyRequestIsAnsweredExactlyOnceWhateverEndsIt() {
        LockEngine e = engine(0, 0);
        Random random = new Random(8);
        List<Long> owners = new ArrayList<>();
        for (int i = 0; i < 8; i++) owners.add(owner(e));
        List<Outcome> all = new ArrayList<>();
        List<WaitHandle> handles = new ArrayList<>();
        for (int step = 0; step < 400; step++) {
            long o = owners.get(random.nextInt(owners.size()));
            String key = "k" + random.nextInt(4);
            Outcome out = new Outcome();
            all.add(out);
            switch (random.nextInt(6)) {
                case 0, 1 -> handles.add(e.acquire(o, ResourceKey.lock(key), 1, random.nextInt(3) * 300L,
                        200 + random.nextInt(800), out));
                case 2 -> e.enqueue(o, ResourceKey.lock(key), 1, 200 + random.nextInt(800), out);
                case 3 -> handles.add(e.await(o, ResourceKey.lock(key), random.nextInt(3) * 300L, out));
                case 4 -> {
                    if (!handles.isEmpty()) handles.get(random.nextInt(handles.size())).cancel();
                    e.release(ResourceKey.lock(key), "0123456789abcdef0123456789abcdef", out);
                }
                default -> {
                    // Give back a grant seen so far, so that queues move.
                    Outcome granted = all.stream().filter(x -> x.isDone() && x.get().status() == Status.ACQUIRED)
                            .skip(random.nextInt(4)).findFirst().orElse(null);
                    if (granted == null) e.release(ResourceKey.lock(key), "x", out);
                    else e.release(ResourceKey.lock(key), granted.get().token(), out);
                }
            }
            advanceMs(random.nextInt(60));
        }
        owners.forEach(o -> e.ownerEnded(o, random.nextBoolean()));
        advanceMs(LONG_WAIT);

        // An engine that keeps its state elsewhere (etcd) answers after a round trip, not within the advance.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> all.stream().allMatch(Outcome::isDone));
        assertThat(all).allSatisfy(o -> assertThat(o.calls()).as("answers of %s", o.get()).isEqualTo(1));
        LockStats s = stats(e);
        assertThat(s.locks()).isEmpty();
        assertThat(s.semaphores()).isEmpty();
        owners.forEach(o -> assertThat(e.keysOf(o)).isEmpty());
    }
}
