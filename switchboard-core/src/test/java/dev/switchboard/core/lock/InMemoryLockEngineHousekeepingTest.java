package dev.switchboard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.lock.LockOutcome.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The timer-driven side of the in-memory lock engine: the lease sweep and the idle-key GC. */
class InMemoryLockEngineHousekeepingTest extends InMemoryLockEngineFixture {
    private static final long LEASE = 30_000;

    private InMemoryLockEngine sweeping() {
        return table(0, 0, FAST, NEVER, NEVER);
    }

    @Test
    void sweepEvictsAnExpiredHolderGrantsTheNextWaiterAndTellsTheOwner() {
        InMemoryLockEngine t = sweeping();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String token = lock(t, a, "k", 0, 1_000).token();
        Outcome waiting = lock(t, b, "k", LONG_WAIT_MS, LEASE);

        advanceMs(1_000);

        LockOutcome granted = waiting.acquired();
        assertThat(FenceGenerator.fenceOf(granted.token())).isGreaterThan(FenceGenerator.fenceOf(token));
        eventually().until(() -> token.equals(a.expiredTokens.peek()));
        assertThat(a.expiredTokens).containsExactly(token);
        assertThat(a.lockKeys()).isEmpty();
        assertThat(lockInfo(t, "k").ownerId()).isEqualTo(b.ownerId());
        releaseLock(t, "k", token).assertFailed(LockError.NOT_HELD);
        renew(t, ResourceKey.lock("k"), token, LEASE).assertFailed(LockError.NOT_HELD);
    }

    @Test
    void sweepLeavesLiveLeasesAlone() {
        InMemoryLockEngine t = sweeping();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        String shortToken = lock(t, a, "short", 0, 1_000).token();
        lock(t, b, "long", 0, 60_000).acquired();
        sem(t, b, "pool", 2, 0, 60_000).acquired();
        String shortSem = sem(t, a, "pool", 2, 0, 1_000).token();

        advanceMs(1_000);

        eventually().until(() -> a.expiredTokens.size() == 2);
        assertThat(a.expiredTokens).containsExactlyInAnyOrder(shortToken, shortSem);
        assertThat(a.lockKeys()).isEmpty();
        assertThat(b.lockKeys()).containsExactlyInAnyOrder(ResourceKey.lock("long"), ResourceKey.semaphore("pool"));
        assertThat(b.expiredTokens).isEmpty();
        LockStats s = stats(t);
        assertThat(s.locks()).extracting(LockStats.LockInfo::key).containsExactly("long");
        assertThat(s.semaphores()).containsExactly(new LockStats.SemaphoreInfo("pool", 2, 1, 0));
        assertThat(s.idleLocks()).extracting(LockStats.IdleInfo::key).containsExactly("short");
    }

    @Test
    void sweepRemovesAnExpiredPreGrantSoWaitSeesNoState() {
        InMemoryLockEngine t = sweeping();
        TestOwner a = owner(t);
        String token = enqueue(t, a, "k", 1_000).token();

        advanceMs(1_000);
        eventually().until(() -> a.lockKeys().isEmpty());

        assertThat(a.expiredTokens).containsExactly(token);
        waitOn(t, a, "k", 0).assertFailed(LockError.NOT_ENQUEUED);
    }

    @Test
    void sweepGrantsAQueuedTwoPhaseWaiterThroughItsPendingWait() {
        InMemoryLockEngine t = sweeping();
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        lock(t, a, "k", 0, 1_000).acquired();
        enqueue(t, b, "k", 5_000).assertStatus(Status.QUEUED);
        Outcome w = waitOn(t, b, "k", LONG_WAIT_MS);

        advanceMs(1_000);

        assertThat(w.acquired().leaseMs()).isEqualTo(5_000);
        assertThat(lockInfo(t, "k").leaseExpiresInMs()).isEqualTo(5_000);
    }

    @Test
    void closedOwnerWithoutReleaseHeldLosesItsSlotWhenTheLeaseRunsOut() {
        InMemoryLockEngine t = sweeping();
        TestOwner a = owner(t);
        TestOwner c = owner(t);
        String token = lock(t, a, "k", 0, 1_000).token();
        Outcome waiting = lock(t, c, "k", LONG_WAIT_MS, LEASE);
        t.ownerEnded(a.ownerId(), false);
        assertThat(lockInfo(t, "k").ownerId()).isEqualTo(a.ownerId());
        assertThat(waiting.isDone()).isFalse();

        advanceMs(1_000);

        waiting.acquired();
        eventually().until(() -> a.lockKeys().isEmpty());
        assertThat(a.expiredTokens).containsExactly(token);
    }

    @Test
    void gcCollectsIdleKeysAfterMaxIdleAndFreesTheirPlaceInTheCap() {
        InMemoryLockEngine t = table(2, 0, NEVER, FAST, Duration.ofSeconds(60));
        TestOwner a = owner(t);
        releaseLock(t, "a", lock(t, a, "a", 0, LEASE).token()).assertStatus(Status.RELEASED);
        release(t, ResourceKey.semaphore("b"), sem(t, a, "b", 3, 0, LEASE).token()).assertStatus(Status.RELEASED);
        lock(t, a, "c", 0, LEASE).assertFailed(LockError.MAX_LOCKS);

        advanceMs(59_999);
        // Not idle long enough yet: GC passes keep running every 20 ms and leave both keys.
        eventually().during(Duration.ofMillis(200)).until(() -> t.keyCount() == 2);
        assertThat(stats(t).idleLocks()).extracting(LockStats.IdleInfo::key).containsExactly("a");
        lock(t, a, "c", 0, LEASE).assertFailed(LockError.MAX_LOCKS);

        advanceMs(1);
        eventually().until(() -> t.keyCount() == 0);

        LockStats s = stats(t);
        assertThat(s.idleLocks()).isEmpty();
        assertThat(s.idleSemaphores()).isEmpty();
        lock(t, a, "c", 0, LEASE).acquired();
        sem(t, a, "d", 2, 0, LEASE).acquired();
        lock(t, a, "e", 0, LEASE).assertFailed(LockError.MAX_LOCKS);
    }

    @Test
    void gcNeverCollectsKeysWithHoldersOrWaiters() {
        InMemoryLockEngine t = table(0, 0, NEVER, FAST, Duration.ofSeconds(1));
        TestOwner a = owner(t);
        TestOwner b = owner(t);
        lock(t, a, "held", 0, 3_600_000).acquired();
        Outcome waiting = lock(t, b, "held", LONG_WAIT_MS, LEASE);
        String idle = lock(t, a, "idle", 0, LEASE).token();
        releaseLock(t, "idle", idle).assertStatus(Status.RELEASED);
        assertThat(t.keyCount()).isEqualTo(2);

        advanceMs(10_000);
        eventually().during(Duration.ofMillis(200)).until(() -> t.keyCount() == 1);

        assertThat(lockInfo(t, "held").waiters()).isEqualTo(1);
        assertThat(waiting.isDone()).isFalse();
    }

    @Test
    void aKeyTouchedAgainIsNotCollected() {
        InMemoryLockEngine t = table(0, 0, NEVER, FAST, Duration.ofSeconds(10));
        TestOwner a = owner(t);
        releaseLock(t, "old", lock(t, a, "old", 0, LEASE).token()).assertStatus(Status.RELEASED);
        advanceMs(6_000);
        releaseLock(t, "fresh", lock(t, a, "fresh", 0, LEASE).token()).assertStatus(Status.RELEASED);
        releaseLock(t, "old", lock(t, a, "old", 0, LEASE).token()).assertStatus(Status.RELEASED);
        advanceMs(6_000);

        // 12 s after "old" was created, 6 s after it was last used: nothing is due yet.
        eventually().during(Duration.ofMillis(200)).until(() -> t.keyCount() == 2);
        assertThat(stats(t).idleLocks()).extracting(LockStats.IdleInfo::key).containsExactly("fresh", "old");
        advanceMs(4_000);
        eventually().until(() -> t.keyCount() == 0);
    }
}
