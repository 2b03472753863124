package dev.switchboard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.lock.LockOutcome.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class InMemoryLockEngineDetailTest extends InMemoryLockEngineFixture {
    private static final Pattern TOKEN = Pattern.compile("^[0-9a-f]{32}$");
    private static final long LEASE = 30_000;

    // ---- grant, timeout, release ------------------------------------------------------------

    @Test
    void freeKeyIsGrantedAtOnceWithTheRequestedLease() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);

        LockOutcome o = lock(t, a, "k", 0, 12_345).acquired();

        assertThat(o.token()).matches(TOKEN);
        assertThat(o.leaseMs()).isEqualTo(12_345);
        assertThat(a.lockKeys()).containsExactly(ResourceKey.lock("k"));
        LockStats.LockInfo info = lockInfo(t, "k");
        assertThat(info.ownerId()).isEqualTo(a.ownerId());
        assertThat(info.leaseExpiresInMs()).isEqualTo(12_345);
        assertThat(info.waiters()).isZero();
    }

    @Test
    void heldKeyWithZeroTimeoutAnswersTimeoutAndQueuesNothing() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        lock(t, a, "k", 0, LEASE).acquired();

        lock(t, b, "k", 0, LEASE).assertStatus(Status.TIMEOUT);

        assertThat(waitersOn(t, "k")).isZero();
        assertThat(b.lockKeys()).isEmpty();
    }

    @Test
    void waiterTimesOutAndLeavesTheQueue() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String tokenA = lock(t, a, "k", 0, LEASE).token();

        Outcome waiting = lock(t, b, "k", 50, LEASE);
        waiting.assertStatus(Status.TIMEOUT);

        assertThat(b.lockKeys()).isEmpty();
        assertThat(waitersOn(t, "k")).isZero();
        // Releasing afterwards hands the slot to nobody: the key becomes idle.
        releaseLock(t, "k", tokenA).assertStatus(Status.RELEASED);
        assertThat(isIdleLock(t, "k")).isTrue();
        assertThat(waiting.calls()).isEqualTo(1);
    }

    @Test
    void releaseHandsTheSlotToTheWaiterWithANewerToken() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String tokenA = lock(t, a, "k", 0, LEASE).token();
        Outcome waiting = lock(t, b, "k", LONG_WAIT_MS, 7_000);
        assertThat(waiting.isDone()).isFalse();

        releaseLock(t, "k", tokenA).assertStatus(Status.RELEASED);

        LockOutcome granted = waiting.acquired();
        assertThat(granted.leaseMs()).isEqualTo(7_000);
        assertThat(granted.token()).matches(TOKEN).isNotEqualTo(tokenA);
        assertThat(FenceGenerator.fenceOf(granted.token())).isGreaterThan(FenceGenerator.fenceOf(tokenA));
        assertThat(a.lockKeys()).isEmpty();
        assertThat(b.lockKeys()).containsExactly(ResourceKey.lock("k"));
        assertThat(lockInfo(t, "k").ownerId()).isEqualTo(b.ownerId());
    }

    @Test
    void releaseOfATokenThatHoldsNothingIsNotHeld() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        String token = lock(t, a, "k", 0, LEASE).token();

        releaseLock(t, "k", "0123456789abcdef0123456789abcdef").assertFailed(LockError.NOT_HELD);
        releaseLock(t, "unknown", token).assertFailed(LockError.NOT_HELD);
        release(t, ResourceKey.semaphore("k"), token).assertFailed(LockError.NOT_HELD);
        releaseLock(t, "k", token).assertStatus(Status.RELEASED);
        releaseLock(t, "k", token).assertFailed(LockError.NOT_HELD);
        renew(t, ResourceKey.lock("k"), token, LEASE).assertFailed(LockError.NOT_HELD);
    }

    @Test
    void aTokenMayBeReleasedByAnyoneWhoKnowsIt() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        String token = lock(t, a, "k", 0, LEASE).token();
        // release() takes no owner: the token alone identifies the slot.
        releaseLock(t, "k", token).assertStatus(Status.RELEASED);
        assertThat(a.lockKeys()).isEmpty();
    }

    @Test
    void nothingIsReentrantAnOwnerQueuesBehindItself() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        String first = lock(t, a, "k", 0, LEASE).token();
        Outcome second = lock(t, a, "k", LONG_WAIT_MS, LEASE);
        assertThat(second.isDone()).isFalse();

        releaseLock(t, "k", first).assertStatus(Status.RELEASED);

        assertThat(second.token()).isNotEqualTo(first);
        assertThat(a.lockKeys()).containsExactly(ResourceKey.lock("k"));
    }

    // ---- FIFO ---------------------------------------------------------------------------------

    @Test
    void waitersAreGrantedStrictlyInArrivalOrderWithGrowingFences() {
        InMemoryLockEngine t = table();
        TestOwner first = owner(t);
        String token = lock(t, first, "k", 0, LEASE).token();
        int n = 25;
        List<TestOwner> owners = new ArrayList<>();
        List<Outcome> waits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TestOwner o = owner(t);
            owners.add(o);
            waits.add(lock(t, o, "k", LONG_WAIT_MS, LEASE));
        }
        assertThat(waitersOn(t, "k")).isEqualTo(n);

        List<String> tokens = new ArrayList<>();
        tokens.add(token);
        for (int i = 0; i < n; i++) {
            releaseLock(t, "k", token).assertStatus(Status.RELEASED);
            // The grant is made before the release is answered, so everything after i still waits.
            token = waits.get(i).token();
            for (int j = i + 1; j < n; j++) {
                assertThat(waits.get(j).isDone()).as("waiter %d after release %d", j, i).isFalse();
            }
            assertThat(lockInfo(t, "k").ownerId()).isEqualTo(owners.get(i).ownerId());
            assertThat(waitersOn(t, "k")).isEqualTo(n - i - 1);
            tokens.add(token);
        }
        for (int i = 1; i < tokens.size(); i++) {
            assertThat(tokens.get(i)).matches(TOKEN);
            // Same length, lowercase hex: string order is fence order.
            assertThat(tokens.get(i)).isGreaterThan(tokens.get(i - 1));
            assertThat(FenceGenerator.fenceOf(tokens.get(i))).isGreaterThan(FenceGenerator.fenceOf(tokens.get(i - 1)));
        }
        for (Outcome w : waits) {
            assertThat(w.calls()).isEqualTo(1);
        }
    }

    @Test
    void aNewArrivalNeverPassesAQueuedWaiterEvenWhenAnExpiredLeaseFreesTheSlot() {
        InMemoryLockEngine t = table(); // no sweep: the expired holder stays until someone touches the key
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        TestOwner c = owner(t);
        String tokenA = lock(t, a, "k", 0, 1_000).token();
        Outcome waitingB = lock(t, b, "k", LONG_WAIT_MS, LEASE);
        advanceMs(1_001);

        // The slot is free in effect (A's lease ran out), but B is queued: C must not get it.
        lock(t, c, "k", 0, LEASE).assertStatus(Status.TIMEOUT);

        waitingB.acquired();
        assertThat(a.expiredTokens).containsExactly(tokenA);
        assertThat(c.lockKeys()).isEmpty();
        assertThat(lockInfo(t, "k").ownerId()).isEqualTo(b.ownerId());
    }

    @Test
    void aNewSemaphoreArrivalQueuesBehindEarlierWaiters() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String ta = sem(t, a, "s", 2, 0, LEASE).token();
        String tb = sem(t, b, "s", 2, 0, LEASE).token();
        Outcome w1 = sem(t, owner(t), "s", 2, LONG_WAIT_MS, LEASE);
        Outcome w2 = sem(t, owner(t), "s", 2, LONG_WAIT_MS, LEASE);

        release(t, ResourceKey.semaphore("s"), ta).assertStatus(Status.RELEASED);
        w1.acquired();
        assertThat(w2.isDone()).isFalse();
        Outcome late = sem(t, owner(t), "s", 2, LONG_WAIT_MS, LEASE);

        release(t, ResourceKey.semaphore("s"), tb).assertStatus(Status.RELEASED);
        w2.acquired();
        assertThat(late.isDone()).isFalse();
        LockStats.SemaphoreInfo info = stats(t).semaphores().get(0);
        assertThat(info.holders()).isEqualTo(2);
        assertThat(info.waiters()).isEqualTo(1);
    }

    // ---- semaphores -----------------------------------------------------------------------------

    @Test
    void semaphoreAdmitsUpToItsLimit() {
        InMemoryLockEngine t = table();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tokens.add(sem(t, owner(t), "pool", 3, 0, LEASE).token());
        }
        sem(t, owner(t), "pool", 3, 0, LEASE).assertStatus(Status.TIMEOUT);
        assertThat(tokens).doesNotHaveDuplicates();

        LockStats s = stats(t);
        assertThat(s.semaphores()).containsExactly(new LockStats.SemaphoreInfo("pool", 3, 3, 0));
        assertThat(s.locks()).isEmpty();

        release(t, ResourceKey.semaphore("pool"), tokens.get(1)).assertStatus(Status.RELEASED);
        sem(t, owner(t), "pool", 3, 0, LEASE).acquired();
    }

    @Test
    void semaphoreWithAnotherLimitIsAMismatch() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        sem(t, a, "pool", 2, 0, LEASE).acquired();

        sem(t, a, "pool", 3, 0, LEASE).assertFailed(LockError.LIMIT_MISMATCH);
        Outcome enq = new Outcome();
        t.enqueue(a.ownerId(), ResourceKey.semaphore("pool"), 5, LEASE, enq);
        enq.assertFailed(LockError.LIMIT_MISMATCH);
        assertThat(stats(t).semaphores()).containsExactly(new LockStats.SemaphoreInfo("pool", 2, 1, 0));
    }

    @Test
    void locksAndSemaphoresLiveInSeparateNamespaces() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String semToken = sem(t, a, "shared", 1, 0, LEASE).token();
        sem(t, b, "shared", 1, 0, LEASE).assertStatus(Status.TIMEOUT);

        // The lock "shared" is another resource: free, and no limit mismatch with the semaphore of limit 5 either.
        String lockToken = lock(t, b, "shared", 0, LEASE).token();
        sem(t, b, "other", 5, 0, LEASE).acquired();
        lock(t, b, "other", 0, LEASE).acquired();

        releaseLock(t, "shared", semToken).assertFailed(LockError.NOT_HELD);
        release(t, ResourceKey.semaphore("shared"), lockToken).assertFailed(LockError.NOT_HELD);
        assertThat(b.lockKeys()).containsExactlyInAnyOrder(ResourceKey.lock("shared"), ResourceKey.semaphore("other"),
                ResourceKey.lock("other"));
    }

    @Test
    void aLockIgnoresTheLimitArgument() {
        InMemoryLockEngine t = table();
        acquire(t, owner(t), ResourceKey.lock("k"), 5, 0, LEASE).acquired();
        acquire(t, owner(t), ResourceKey.lock("k"), 5, 0, LEASE).assertStatus(Status.TIMEOUT);
        acquire(t, owner(t), ResourceKey.lock("k"), 1, 0, LEASE).assertStatus(Status.TIMEOUT);
    }

    // ---- leases -------------------------------------------------------------------------------

    @Test
    void renewReturnsTheAppliedLeaseAndRestartsIt() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        ResourceKey k = ResourceKey.lock("k");
        String token = lock(t, a, "k", 0, 1_000).token();

        advanceMs(800);
        LockOutcome r = renew(t, k, token, 7_000).get();
        assertThat(r.status()).isEqualTo(Status.RENEWED);
        assertThat(r.leaseMs()).isEqualTo(7_000);
        assertThat(lockInfo(t, "k").leaseExpiresInMs()).isEqualTo(7_000);

        advanceMs(6_000); // past the original lease, inside the renewed one
        assertThat(lockInfo(t, "k").leaseExpiresInMs()).isEqualTo(1_000);
        renew(t, k, token, 500).assertStatus(Status.RENEWED);
        assertThat(lockInfo(t, "k").leaseExpiresInMs()).isEqualTo(500);
    }

    @Test
    void renewAfterTheLeaseRanOutIsLeaseExpiredAndHandsTheSlotOn() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        ResourceKey k = ResourceKey.lock("k");
        String token = lock(t, a, "k", 0, 1_000).token();
        Outcome waiting = lock(t, b, "k", LONG_WAIT_MS, LEASE);

        advanceMs(1_000);
        renew(t, k, token, 5_000).assertFailed(LockError.LEASE_EXPIRED);

        waiting.acquired();
        assertThat(a.lockKeys()).isEmpty();
        // Never resurrected.
        renew(t, k, token, 5_000).assertFailed(LockError.NOT_HELD);
        releaseLock(t, "k", token).assertFailed(LockError.NOT_HELD);
    }

    @Test
    void releaseOfAnExpiredButUnsweptTokenIsStillReleased() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        String token = lock(t, a, "k", 0, 1_000).token();
        advanceMs(5_000);

        releaseLock(t, "k", token).assertStatus(Status.RELEASED);

        assertThat(a.lockKeys()).isEmpty();
        assertThat(isIdleLock(t, "k")).isTrue();
    }

    @Test
    void anExpiredHolderIsEvictedWhenTheKeyIsAcquiredAgain() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String token = lock(t, a, "k", 0, 1_000).token();
        advanceMs(999);
        lock(t, b, "k", 0, LEASE).assertStatus(Status.TIMEOUT);
        advanceMs(1);

        lock(t, b, "k", 0, LEASE).acquired();

        assertThat(a.expiredTokens).containsExactly(token);
        assertThat(a.lockKeys()).isEmpty();
    }

    // ---- two-phase ------------------------------------------------------------------------------

    @Test
    void enqueueOnAFreeKeyAcquiresAndWaitReturnsTheSameToken() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        LockOutcome enq = enqueue(t, a, "k", 4_000).acquired();
        assertThat(enq.token()).matches(TOKEN);
        assertThat(enq.leaseMs()).isEqualTo(4_000);

        advanceMs(1_500);
        LockOutcome w = waitOn(t, a, "k", 0).acquired();

        assertThat(w.token()).isEqualTo(enq.token());
        assertThat(w.leaseMs()).isEqualTo(4_000);
        // The wait restarted the lease.
        assertThat(lockInfo(t, "k").leaseExpiresInMs()).isEqualTo(4_000);
        // The two-phase state is finished: a second wait has nothing to wait for.
        waitOn(t, a, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        releaseLock(t, "k", w.token()).assertStatus(Status.RELEASED);
        assertThat(a.lockKeys()).isEmpty();
    }

    @Test
    void secondEnqueueBeforeWaitIsAlreadyEnqueued() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        enqueue(t, a, "k", LEASE).acquired();
        enqueue(t, a, "k", LEASE).assertFailed(LockError.ALREADY_ENQUEUED);

        enqueue(t, b, "k", LEASE).assertStatus(Status.QUEUED);
        enqueue(t, b, "k", LEASE).assertFailed(LockError.ALREADY_ENQUEUED);
        assertThat(waitersOn(t, "k")).isEqualTo(1);
    }

    @Test
    void waitWithoutEnqueueIsNotEnqueued() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        waitOn(t, a, "nothing-here", 0).assertFailed(LockError.NOT_ENQUEUED);
        lock(t, a, "k", 0, LEASE).acquired();
        // A single-phase acquire creates no enqueue state.
        waitOn(t, a, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        waitOn(t, b, "k", 100).assertFailed(LockError.NOT_ENQUEUED);
    }

    @Test
    void slotGrantedBetweenEnqueueAndWaitIsReturnedByWait() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String tokenA = lock(t, a, "k", 0, LEASE).token();
        enqueue(t, b, "k", 2_000).assertStatus(Status.QUEUED);

        releaseLock(t, "k", tokenA).assertStatus(Status.RELEASED);
        // B holds now, before it waits.
        assertThat(lockInfo(t, "k").ownerId()).isEqualTo(b.ownerId());
        enqueue(t, b, "k", 2_000).assertFailed(LockError.ALREADY_ENQUEUED);
        advanceMs(1_500);

        LockOutcome w = waitOn(t, b, "k", 0).acquired();
        assertThat(w.leaseMs()).isEqualTo(2_000);
        assertThat(FenceGenerator.fenceOf(w.token())).isGreaterThan(FenceGenerator.fenceOf(tokenA));
        assertThat(lockInfo(t, "k").leaseExpiresInMs()).isEqualTo(2_000);
        releaseLock(t, "k", w.token()).assertStatus(Status.RELEASED);
        assertThat(b.lockKeys()).isEmpty();
    }

    @Test
    void waitWithZeroTimeoutOnAQueuedEnqueueLeavesTheQueue() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String tokenA = lock(t, a, "k", 0, LEASE).token();
        enqueue(t, b, "k", LEASE).assertStatus(Status.QUEUED);
        assertThat(waitersOn(t, "k")).isEqualTo(1);

        waitOn(t, b, "k", 0).assertStatus(Status.TIMEOUT);

        assertThat(waitersOn(t, "k")).isZero();
        assertThat(b.lockKeys()).isEmpty();
        waitOn(t, b, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        releaseLock(t, "k", tokenA).assertStatus(Status.RELEASED);
        assertThat(isIdleLock(t, "k")).isTrue();
        // The state is gone, so B may enqueue afresh.
        enqueue(t, b, "k", LEASE).acquired();
    }

    @Test
    void pendingWaitIsAnsweredByTheGrant() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String tokenA = lock(t, a, "k", 0, LEASE).token();
        enqueue(t, b, "k", 3_000).assertStatus(Status.QUEUED);
        Outcome w = waitOn(t, b, "k", LONG_WAIT_MS);
        assertThat(w.isDone()).isFalse();

        releaseLock(t, "k", tokenA).assertStatus(Status.RELEASED);

        LockOutcome granted = w.acquired();
        assertThat(granted.leaseMs()).isEqualTo(3_000);
        assertThat(lockInfo(t, "k").ownerId()).isEqualTo(b.ownerId());
        waitOn(t, b, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        assertThat(w.calls()).isEqualTo(1);
    }

    @Test
    void waitThatRunsOutAnswersTimeoutAndRemovesTheWaiter() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String tokenA = lock(t, a, "k", 0, LEASE).token();
        enqueue(t, b, "k", LEASE).assertStatus(Status.QUEUED);

        waitOn(t, b, "k", 50).assertStatus(Status.TIMEOUT);

        assertThat(waitersOn(t, "k")).isZero();
        assertThat(b.lockKeys()).isEmpty();
        waitOn(t, b, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        releaseLock(t, "k", tokenA).assertStatus(Status.RELEASED);
        assertThat(isIdleLock(t, "k")).isTrue();
    }

    @Test
    void secondWaitWhileOneIsPendingIsAlreadyWaiting() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String tokenA = lock(t, a, "k", 0, LEASE).token();
        enqueue(t, b, "k", LEASE).assertStatus(Status.QUEUED);
        Outcome first = waitOn(t, b, "k", LONG_WAIT_MS);

        waitOn(t, b, "k", LONG_WAIT_MS).assertFailed(LockError.ALREADY_WAITING);

        assertThat(first.isDone()).isFalse();
        releaseLock(t, "k", tokenA).assertStatus(Status.RELEASED);
        first.acquired();
    }

    @Test
    void waitAfterThePreGrantedLeaseRanOutIsLeaseExpired() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String token = enqueue(t, a, "k", 1_000).token();
        Outcome waitingB = lock(t, b, "k", LONG_WAIT_MS, LEASE);
        advanceMs(1_000);

        waitOn(t, a, "k", LONG_WAIT_MS).assertFailed(LockError.LEASE_EXPIRED);

        waitingB.acquired();
        assertThat(a.lockKeys()).isEmpty();
        releaseLock(t, "k", token).assertFailed(LockError.NOT_HELD);
        waitOn(t, a, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
    }

    @Test
    void releasingThePreGrantedTokenClearsTheEnqueueState() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        String token = enqueue(t, a, "k", LEASE).token();

        releaseLock(t, "k", token).assertStatus(Status.RELEASED);

        waitOn(t, a, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
        assertThat(a.lockKeys()).isEmpty();
        enqueue(t, a, "k", LEASE).acquired();
    }

    // ---- owners -------------------------------------------------------------------------------

    @Test
    void ownerEndedWithReleaseHeldLeavesNothingBehindAndHandsSlotsOn() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        TestOwner c = owner(t);
        lock(t, a, "held", 0, LEASE).acquired();
        Outcome cWaitsForHeld = lock(t, c, "held", LONG_WAIT_MS, LEASE);
        String tokenB1 = lock(t, b, "waited", 0, LEASE).token();
        Outcome aWaits = lock(t, a, "waited", LONG_WAIT_MS, LEASE);
        lock(t, b, "queued", 0, LEASE).acquired();
        enqueue(t, a, "queued", LEASE).assertStatus(Status.QUEUED);
        Outcome aPendingWait = waitOn(t, a, "queued", LONG_WAIT_MS);
        enqueue(t, a, "pregranted", LEASE).acquired();
        sem(t, a, "pool", 3, 0, LEASE).acquired();
        assertThat(a.lockKeys()).hasSize(5);

        t.ownerEnded(a.ownerId(), true);

        aWaits.assertFailed(LockError.OWNER_CLOSED);
        aPendingWait.assertFailed(LockError.OWNER_CLOSED);
        cWaitsForHeld.acquired();
        eventually().until(() -> a.lockKeys().isEmpty());
        LockStats s = stats(t);
        assertThat(s.locks()).extracting(LockStats.LockInfo::key, LockStats.LockInfo::ownerId, LockStats.LockInfo::waiters)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("held", c.ownerId(), 0),
                        org.assertj.core.groups.Tuple.tuple("queued", b.ownerId(), 0),
                        org.assertj.core.groups.Tuple.tuple("waited", b.ownerId(), 0));
        assertThat(s.idleLocks()).extracting(LockStats.IdleInfo::key).containsExactly("pregranted");
        assertThat(s.semaphores()).isEmpty();
        assertThat(s.idleSemaphores()).extracting(LockStats.IdleInfo::key).containsExactly("pool");
        // B's slot was not touched.
        releaseLock(t, "waited", tokenB1).assertStatus(Status.RELEASED);
        assertThat(aWaits.calls()).isEqualTo(1);
        assertThat(aPendingWait.calls()).isEqualTo(1);
    }

    @Test
    void ownerEndedWithoutReleaseHeldKeepsHeldSlotsButDropsWaitersAndEnqueueState() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        TestOwner c = owner(t);
        String heldToken = lock(t, a, "held", 0, LEASE).token();
        Outcome cWaits = lock(t, c, "held", LONG_WAIT_MS, LEASE);
        lock(t, b, "waited", 0, LEASE).acquired();
        Outcome aWaits = lock(t, a, "waited", LONG_WAIT_MS, LEASE);
        lock(t, b, "queued", 0, LEASE).acquired();
        enqueue(t, a, "queued", LEASE).assertStatus(Status.QUEUED);

        t.ownerEnded(a.ownerId(), false);

        aWaits.assertFailed(LockError.OWNER_CLOSED);
        // The engine forgets an ended owner at once; its held slot stays, under the owner's id.
        assertThat(a.lockKeys()).isEmpty();
        assertThat(waitersOn(t, "waited")).isZero();
        assertThat(waitersOn(t, "queued")).isZero();
        assertThat(lockInfo(t, "held").ownerId()).isEqualTo(a.ownerId());
        assertThat(cWaits.isDone()).isFalse();
        waitOn(t, a, "queued", 0).assertFailed(LockError.OWNER_CLOSED);

        // The held slot stays until released (or its lease runs out), then goes to the next waiter.
        releaseLock(t, "held", heldToken).assertStatus(Status.RELEASED);
        cWaits.acquired();
        assertThat(a.lockKeys()).isEmpty();
    }

    @Test
    void aClosedOwnerCannotGainState() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        lock(t, b, "busy", 0, LEASE).acquired();
        t.ownerEnded(a.ownerId(), false);

        lock(t, a, "free", 0, LEASE).assertFailed(LockError.OWNER_CLOSED);
        lock(t, a, "busy", LONG_WAIT_MS, LEASE).assertFailed(LockError.OWNER_CLOSED);
        enqueue(t, a, "free2", LEASE).assertFailed(LockError.OWNER_CLOSED);
        enqueue(t, a, "busy", LEASE).assertFailed(LockError.OWNER_CLOSED);
        sem(t, a, "pool", 2, 0, LEASE).assertFailed(LockError.OWNER_CLOSED);

        assertThat(a.lockKeys()).isEmpty();
        assertThat(waitersOn(t, "busy")).isZero();
        LockStats s = stats(t);
        assertThat(s.locks()).extracting(LockStats.LockInfo::key).containsExactly("busy");
        assertThat(s.semaphores()).isEmpty();
    }

    // ---- limits ---------------------------------------------------------------------------------

    @Test
    void maxKeysCountsIdleKeysAndBothNamespaces() {
        InMemoryLockEngine t = table(2, 0, NEVER, NEVER, NEVER);
        TestOwner a = owner(t);
        String ta = lock(t, a, "a", 0, LEASE).token();
        sem(t, a, "b", 2, 0, LEASE).acquired();
        assertThat(t.keyCount()).isEqualTo(2);

        lock(t, a, "c", 0, LEASE).assertFailed(LockError.MAX_LOCKS);
        sem(t, a, "c", 2, 0, LEASE).assertFailed(LockError.MAX_LOCKS);
        enqueue(t, a, "c", LEASE).assertFailed(LockError.MAX_LOCKS);
        releaseLock(t, "a", ta).assertStatus(Status.RELEASED);
        // "a" is idle now but still counts until it is collected.
        lock(t, a, "c", 0, LEASE).assertFailed(LockError.MAX_LOCKS);
        // Existing keys stay usable.
        lock(t, a, "a", 0, LEASE).acquired();
        assertThat(t.keyCount()).isEqualTo(2);
    }

    @Test
    void maxKeysIsNeverOvershotUnderConcurrentCreation() throws Exception {
        InMemoryLockEngine t = table(100, 0, NEVER, NEVER, NEVER);
        int threads = 8;
        int perThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Outcome>>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int thread = i;
                futures.add(pool.submit(() -> {
                    TestOwner owner = owner(t);
                    List<Outcome> outs = new ArrayList<>();
                    start.await();
                    for (int j = 0; j < perThread; j++) {
                        outs.add(lock(t, owner, "t" + thread + "-k" + j, 0, LEASE));
                    }
                    return outs;
                }));
            }
            start.countDown();
            int acquired = 0;
            int maxLocks = 0;
            for (Future<List<Outcome>> f : futures) {
                for (Outcome o : f.get(10, TimeUnit.SECONDS)) {
                    LockOutcome r = o.get();
                    if (r.status() == Status.ACQUIRED) acquired++;
                    else if (r.error() == LockError.MAX_LOCKS) maxLocks++;
                }
            }
            assertThat(acquired).isEqualTo(100);
            assertThat(maxLocks).isEqualTo(threads * perThread - 100);
            assertThat(t.keyCount()).isEqualTo(100);
            assertThat(stats(t).locks()).hasSize(100);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void maxWaitersCapsTheQueuePerKey() {
        InMemoryLockEngine t = table(0, 2, NEVER, NEVER, NEVER);
        String token = lock(t, owner(t), "k", 0, LEASE).token();
        Outcome w1 = lock(t, owner(t), "k", LONG_WAIT_MS, LEASE);
        enqueue(t, owner(t), "k", LEASE).assertStatus(Status.QUEUED);
        TestOwner late = owner(t);

        lock(t, late, "k", LONG_WAIT_MS, LEASE).assertFailed(LockError.MAX_WAITERS);
        enqueue(t, late, "k", LEASE).assertFailed(LockError.MAX_WAITERS);
        assertThat(late.lockKeys()).isEmpty();
        assertThat(waitersOn(t, "k")).isEqualTo(2);
        // Another key has its own queue.
        lock(t, owner(t), "other", 0, LEASE).acquired();

        releaseLock(t, "k", token).assertStatus(Status.RELEASED);
        w1.acquired();
        lock(t, late, "k", LONG_WAIT_MS, LEASE);
        assertThat(waitersOn(t, "k")).isEqualTo(2);
    }

    // ---- stats ----------------------------------------------------------------------------------

    @Test
    void statsClassifyByLimitAndListIdleKeys() {
        InMemoryLockEngine t = table();
        TestOwner a = owner(t, 7);
        TestOwner b = owner(t, 8);
        lock(t, a, "lk", 0, 30_000).acquired();
        lock(t, b, "lk", LONG_WAIT_MS, LEASE);
        sem(t, b, "one", 1, 0, 20_000).acquired();
        sem(t, a, "pool", 3, 0, LEASE).acquired();
        String idleLock = lock(t, a, "zz-idle", 0, LEASE).token();
        releaseLock(t, "zz-idle", idleLock).assertStatus(Status.RELEASED);
        String idleSem = sem(t, a, "idle-pool", 4, 0, LEASE).token();
        release(t, ResourceKey.semaphore("idle-pool"), idleSem).assertStatus(Status.RELEASED);
        String idleOne = sem(t, a, "idle-one", 1, 0, LEASE).token();
        release(t, ResourceKey.semaphore("idle-one"), idleOne).assertStatus(Status.RELEASED);

        advanceMs(4_600);
        LockStats s = stats(t);

        // A semaphore of limit 1 is listed with the locks; lists are sorted by key.
        assertThat(s.locks()).containsExactly(
                new LockStats.LockInfo("lk", 7, 25_400, 1),
                new LockStats.LockInfo("one", 8, 15_400, 0));
        assertThat(s.semaphores()).containsExactly(new LockStats.SemaphoreInfo("pool", 3, 1, 0));
        assertThat(s.idleLocks()).containsExactly(
                new LockStats.IdleInfo("idle-one", 4_600),
                new LockStats.IdleInfo("zz-idle", 4_600));
        assertThat(s.idleSemaphores()).containsExactly(new LockStats.IdleInfo("idle-pool", 4_600));
    }

    @Test
    void statsOfAnEmptyTableAreEmptyLists() {
        LockStats s = stats(table());
        assertThat(s.locks()).isEmpty();
        assertThat(s.semaphores()).isEmpty();
        assertThat(s.idleLocks()).isEmpty();
        assertThat(s.idleSemaphores()).isEmpty();
    }
}
