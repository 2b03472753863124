package dev.switchboard.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checker on hand-made histories: it must flag each kind of violation, and only real ones. */
class GrantLedgerTest {
    private static final long MS = 1_000_000;
    private static final Target LOCK = new Target("k", 1);
    private static final Target POOL = new Target("pool", 2);

    private final GrantLedger ledger = new GrantLedger();

    /** A grant of {@code fence} asked for at {@code askedMs}, received at {@code fromMs}, ended at {@code toMs}; lease 10 s. */
    private GrantLedger.Hold hold(Target t, long fence, long askedMs, long fromMs, long toMs) {
        GrantLedger.Hold h = ledger.granted(t, new LockWire.Granted(String.format("%016x%016x", fence, 7L), 10_000),
                (int) fence, askedMs * MS, fromMs * MS, askedMs * MS);
        h.ended(toMs * MS);
        return h;
    }

    @Test
    void disjointHoldsInFenceOrderPass() {
        hold(LOCK, 1, 0, 1, 10);
        hold(LOCK, 2, 0, 10, 20); // touching the first: no overlap
        hold(LOCK, 3, 15, 21, 30);

        GrantLedger.Verdict v = ledger.check();

        assertThat(v.violations()).as("%s", v.described()).isZero();
        assertThat(v.orderedPairsChecked()).isPositive();
    }

    @Test
    void twoHoldersOfALockAtOnceAreAViolation() {
        hold(LOCK, 1, 0, 1, 10);
        hold(LOCK, 2, 0, 5, 20);

        GrantLedger.Verdict v = ledger.check();

        assertThat(v.violations()).isEqualTo(1);
        assertThat(v.described().get(0)).contains("2 holders at once, limit 1");
    }

    @Test
    void anOverlapWithinTheClockToleranceIsNotCounted() {
        GrantLedger.Hold first = hold(LOCK, 1, 0, 1, 10);
        ledger.granted(LOCK, new LockWire.Granted(String.format("%016x%016x", 2L, 7L), 10_000), 2,
                0, first.endNs() - GrantLedger.TOLERANCE_NANOS / 2, 0).ended(30 * MS);

        assertThat(ledger.check().violations()).isZero();
    }

    @Test
    void aHoldEndsWhenItsLeaseRunsOutEvenIfTheClientHeldOn() {
        // Lease 100 ms from the request at 0: the client may count on it until 100 ms, not 500 ms.
        ledger.granted(LOCK, new LockWire.Granted(String.format("%016x%016x", 1L, 7L), 100), 1, 0, 2 * MS, 0).ended(500 * MS);
        hold(LOCK, 2, 50, 120, 200);

        assertThat(ledger.check().violations()).isZero();
    }

    @Test
    void aSemaphoreMayHaveUpToItsLimitButNotMore() {
        hold(POOL, 1, 0, 1, 50);
        hold(POOL, 2, 0, 2, 50);
        assertThat(ledger.check().violations()).isZero();

        hold(POOL, 3, 0, 3, 50);
        GrantLedger.Verdict v = ledger.check();
        assertThat(v.violations()).isEqualTo(1);
        assertThat(v.described().get(0)).contains("3 holders at once, limit 2");
    }

    @Test
    void aFenceLowerThanOneGrantedBeforeTheRequestIsAViolation() {
        hold(POOL, 9, 0, 1, 5);
        hold(POOL, 4, 6, 7, 10); // asked for after fence 9 was received, yet lower

        GrantLedger.Verdict v = ledger.check();

        assertThat(v.violations()).isPositive();
        assertThat(v.described()).anyMatch(d -> d.contains("fence went down"));
    }

    @Test
    void lockFencesMustGrowInHoldOrderEvenWhenTheRequestsOverlapped() {
        hold(LOCK, 9, 0, 1, 5);
        hold(LOCK, 4, 0, 6, 10); // both asked at 0: only the hold order says 4 came second

        GrantLedger.Verdict v = ledger.check();

        assertThat(v.described()).anyMatch(d -> d.contains("fences not increasing in hold order"));
    }

    @Test
    void aRequestThatOvertakesAStayedWaiterBreaksFifo() {
        GrantLedger.Hold waiter = hold(POOL, 20, 0, 100, 110); // enqueued at 0, queued reply at 5, granted later
        ledger.stayedInQueue(waiter, 5 * MS);
        hold(POOL, 10, 6, 8, 9); // asked for after the waiter was queued, granted before it

        GrantLedger.Verdict v = ledger.check();

        assertThat(v.described()).anyMatch(d -> d.contains("FIFO broken"));
    }

    @Test
    void laterRequestsGrantedAfterTheStayedWaiterKeepFifo() {
        GrantLedger.Hold waiter = hold(POOL, 20, 0, 100, 110);
        ledger.stayedInQueue(waiter, 5 * MS);
        hold(POOL, 30, 6, 111, 120);
        hold(POOL, 5, 0, 1, 3); // asked for before the waiter was queued: may come first

        GrantLedger.Verdict v = ledger.check();

        assertThat(v.violations()).as("%s", v.described()).isZero();
        assertThat(ledger.stayedWaiters()).isEqualTo(1);
    }

    @Test
    void aFenceHandedOutTwiceIsAViolation() {
        hold(LOCK, 1, 0, 1, 2);
        hold(POOL, 1, 0, 1, 2);

        assertThat(ledger.check().described()).anyMatch(d -> d.contains("fence handed out twice"));
    }

    @Test
    void oneGrantReportedTwiceToItsHolderIsOneGrant() {
        // Enqueue granted fence 5 to holder 3, a cut ended the client's interval, and after the resume
        // a wait on the key answered the grant the session still held: same holder, key and fence.
        ledger.granted(POOL, new LockWire.Granted(String.format("%016x%016x", 5L, 7L), 10_000), 3, 0, MS, 0).ended(80 * MS);
        ledger.granted(POOL, new LockWire.Granted(String.format("%016x%016x", 5L, 7L), 10_000), 3, 90 * MS, 95 * MS, 90 * MS)
                .ended(150 * MS);

        GrantLedger.Verdict v = ledger.check();

        assertThat(v.violations()).as("%s", v.described()).isZero();
    }

    @Test
    void theSameFenceForAnotherHolderIsStillAViolation() {
        ledger.granted(POOL, new LockWire.Granted(String.format("%016x%016x", 5L, 7L), 10_000), 3, 0, MS, 0).ended(80 * MS);
        ledger.granted(POOL, new LockWire.Granted(String.format("%016x%016x", 5L, 7L), 10_000), 4, 90 * MS, 95 * MS, 90 * MS)
                .ended(150 * MS);

        assertThat(ledger.check().described()).anyMatch(d -> d.contains("fence handed out twice"));
    }
}
