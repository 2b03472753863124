package dev.switchboard.server.dflockd;

import static dev.switchboard.server.dflockd.LineClient.awaitStats;
import static dev.switchboard.server.dflockd.LineClient.entryInt;
import static dev.switchboard.server.dflockd.LineClient.fence;
import static dev.switchboard.server.dflockd.LineClient.lockWaiters;
import static dev.switchboard.server.dflockd.LineClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** dflockd compat §1.5/§1.6 two-phase acquire (e/w): S5, S6, S7. */
class TwoPhaseTest extends SharedServer {
    @Test
    @DisplayName("S5: e -> acquired, e again -> error_already_enqueued, w -> same token, r -> ok")
    void s5FastPath() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = LineClient.grantToken(c1.callRaw("e\ntp-s5\n\n"), "acquired", 33, "e\\ntp-s5\\n\\n");
            assertThat(c1.callRaw("e\ntp-s5\n\n")).isEqualTo("error_already_enqueued");
            assertThat(c1.callRaw("w\ntp-s5\n10\n")).isEqualTo("ok " + t + " 33");
            assertThat(c1.callRaw("r\ntp-s5\n" + t + "\n")).isEqualTo("ok");
            // release cleared everything: a fresh e acquires again
            String t2 = c1.grant("e", "tp-s5", "", "acquired", 33);
            assertThat(t2).isNotEqualTo(t);
            c1.release("tp-s5", t2);
        }
    }

    @Test
    @DisplayName("§1.5: e with a lease: acquired and w echo that lease")
    void enqueueCustomLease() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.grant("e", "tp-lease", "60", "acquired", 60);
            assertThat(c1.call("w", "tp-lease", "0")).isEqualTo("ok " + t + " 60");
            c1.release("tp-lease", t);
        }
    }

    @Test
    @DisplayName("S6: queued -> w 0 timeout -> error_not_enqueued; C3 e/w blocks and is granted on release")
    void s6QueuedTimeoutThenGrant() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2");
             LineClient c3 = LineClient.connect(sb, "C3")) {
            String t1 = c1.grant("l", "tp-s6", "10", "ok", 33);
            assertThat(c2.callRaw("e\ntp-s6\n\n")).isEqualTo("queued");
            assertThat(c2.callRaw("w\ntp-s6\n0\n")).isEqualTo("timeout");
            assertThat(c2.callRaw("w\ntp-s6\n0\n")).isEqualTo("error_not_enqueued");
            assertThat(lockWaiters(c2.stats(), "tp-s6")).isZero();
            assertThat(c3.callRaw("e\ntp-s6\n\n")).isEqualTo("queued");
            c3.send("w\ntp-s6\n10\n");
            c3.assertSilentFor(Duration.ofMillis(200));
            assertThat(c1.callRaw("r\ntp-s6\n" + t1 + "\n")).isEqualTo("ok");
            String t3 = LineClient.grantToken(c3.line(), "ok", 33, "w\\ntp-s6\\n10\\n");
            assertThat(t3).isNotEqualTo(t1);
            assertThat(Long.compareUnsigned(fence(t3), fence(t1))).isPositive();
            c3.release("tp-s6", t3);
        }
    }

    @Test
    @DisplayName("§1.6: a blocking w that times out removes the waiter: second w -> error_not_enqueued")
    void blockingWaitTimeout() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t1 = c1.lock("tp-wto");
            assertThat(c2.call("e", "tp-wto", "")).isEqualTo("queued");
            assertThat(c2.call("e", "tp-wto", "")).isEqualTo("error_already_enqueued");
            assertThat(lockWaiters(c1.stats(), "tp-wto")).isEqualTo(1);
            assertThat(c2.call("w", "tp-wto", "1")).isEqualTo("timeout");
            assertThat(c2.call("w", "tp-wto", "1")).isEqualTo("error_not_enqueued");
            assertThat(lockWaiters(c1.stats(), "tp-wto")).isZero();
            c1.release("tp-wto", t1);
            c2.assertSilentFor(Duration.ofMillis(100));
            // C2 may enqueue again
            String t2 = c2.grant("e", "tp-wto", "", "acquired", 33);
            c2.release("tp-wto", t2);
        }
    }

    @Test
    @DisplayName("§1.6: e -> queued, granted before w: w (timeout 0) returns the token immediately")
    void grantedBeforeWait() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t1 = c1.lock("tp-pre", "0 60", 60);
            assertThat(c2.call("e", "tp-pre", "20")).isEqualTo("queued");
            c1.release("tp-pre", t1);
            // the promotion happens on release: C2 is the holder now (no waiters left)
            awaitStats(c1, s -> lockWaiters(s, "tp-pre") == 0
                    && entryInt(s, "locks", "tp-pre", "owner_conn_id") != 0, "C2 promoted to holder");
            // nothing is pushed to C2 before it asks
            c2.assertSilentFor(Duration.ofMillis(100));
            String t2 = LineClient.grantToken(c2.call("w", "tp-pre", "0"), "ok", 20, "w tp-pre 0");
            assertThat(t2).isNotEqualTo(t1);
            assertThat(Long.compareUnsigned(fence(t2), fence(t1))).isPositive();
            // C2 really holds it
            assertThat(c1.call("l", "tp-pre", "0")).isEqualTo("timeout");
            c2.release("tp-pre", t2);
        }
    }

    @Test
    @DisplayName("S7: w without e -> error_not_enqueued")
    void s7WaitNotEnqueued() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            assertThat(c1.callRaw("w\ntp-s7\n10\n")).isEqualTo("error_not_enqueued");
            assertThat(c1.callRaw("sw\ntp-s7\n10\n")).isEqualTo("error_not_enqueued");
            c1.assertAlive();
        }
    }

    @Test
    @DisplayName("S7: lease expired before w -> error_lease_expired (or error_not_enqueued when the sweeper won)")
    void s7LeaseExpiredBeforeWait() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard s = start(b -> b.clock(clock)); LineClient c2 = LineClient.connect(s, "C2")) {
            String t = LineClient.grantToken(c2.callRaw("e\ntp-k1\n1\n"), "acquired", 1, "e\\ntp-k1\\n1\\n");
            clock.advance(Duration.ofMillis(1300)); // past the 1 s lease; the default sweeper runs meanwhile
            assertThat(c2.callRaw("w\ntp-k1\n1\n")).isIn("error_lease_expired", "error_not_enqueued");
            // the holder is gone either way
            assertThat(c2.call("r", "tp-k1", t)).isEqualTo("error");
            c2.assertAlive();
        }
    }

    @Test
    @DisplayName("S7: lease expired before w, no sweeper -> error_lease_expired")
    void s7LeaseExpiredNoSweep() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard s = start(b -> b.clock(clock).leaseSweepInterval(Duration.ofHours(1)));
             LineClient c2 = LineClient.connect(s, "C2")) {
            String t = c2.grant("e", "k1", "1", "acquired", 1);
            clock.advance(Duration.ofMillis(1300)); // past the 1 s lease
            assertThat(c2.callRaw("w\nk1\n1\n")).isEqualTo("error_lease_expired");
            assertThat(c2.call("r", "k1", t)).isEqualTo("error");
        }
    }

    @Test
    @DisplayName("§1.6: w resets the lease to now + the enqueue's lease")
    void waitResetsLease() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard s = start(b -> b.clock(clock).leaseSweepInterval(Duration.ofMillis(100)));
             LineClient c1 = LineClient.connect(s, "C1")) {
            String t = c1.grant("e", "k", "2", "acquired", 2);
            clock.advance(Duration.ofMillis(1200));
            assertThat(c1.call("w", "k", "0")).isEqualTo("ok " + t + " 2");
            clock.advance(Duration.ofMillis(1200)); // the sweeper runs every 100 ms meanwhile
            // 2.4 s after acquire, but only 1.2 s after w: still held
            assertThat(c1.call("n", "k", t + " 5")).isEqualTo("ok 5");
            c1.release("k", t);
        }
    }

    @Test
    @DisplayName("§1.6: w on another connection than the e -> error_not_enqueued")
    void waitOnOtherConnection() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t = c1.grant("e", "tp-otherconn", "", "acquired", 33);
            assertThat(c2.call("w", "tp-otherconn", "0")).isEqualTo("error_not_enqueued");
            assertThat(c1.call("w", "tp-otherconn", "0")).isEqualTo("ok " + t + " 33");
            c1.release("tp-otherconn", t);
        }
    }

    @Test
    @DisplayName("§1.6: enqueue state is per (connection, key)")
    void statePerKey() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String a = c1.grant("e", "tp-a", "", "acquired", 33);
            String b = c1.grant("e", "tp-b", "", "acquired", 33);
            assertThat(c1.call("e", "tp-a", "")).isEqualTo("error_already_enqueued");
            assertThat(c1.call("w", "tp-b", "0")).isEqualTo("ok " + b + " 33");
            assertThat(c1.call("w", "tp-a", "0")).isEqualTo("ok " + a + " 33");
            c1.release("tp-a", a);
            c1.release("tp-b", b);
        }
    }

    @Test
    @DisplayName("§1.6: release clears enqueue state: w after r -> error_not_enqueued")
    void releaseClearsState() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.grant("e", "tp-rel", "", "acquired", 33);
            c1.release("tp-rel", t);
            assertThat(c1.call("w", "tp-rel", "0")).isEqualTo("error_not_enqueued");
        }
    }

    @Test
    @DisplayName("§1.6: l creates no enqueue state: w after l -> error_not_enqueued")
    void lockCreatesNoState() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.lock("tp-l-nostate");
            assertThat(c1.call("w", "tp-l-nostate", "0")).isEqualTo("error_not_enqueued");
            c1.release("tp-l-nostate", t);
        }
    }

    @Test
    @DisplayName("§1.2: disconnect with a queued e removes the waiter")
    void disconnectRemovesQueuedEnqueue() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c3 = LineClient.connect(sb, "C3")) {
            String t1 = c1.lock("tp-disc");
            LineClient c2 = LineClient.connect(sb, "C2");
            assertThat(c2.call("e", "tp-disc", "")).isEqualTo("queued");
            c2.close();
            awaitStats(c1, s -> lockWaiters(s, "tp-disc") == 0, "C2's queued enqueue removed");
            c1.release("tp-disc", t1);
            c3.release("tp-disc", c3.lock("tp-disc"));
        }
    }

    @Test
    @DisplayName("§1.6: queued e keeps FIFO order with blocking l waiters")
    void enqueueFifoWithLockWaiters() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2");
             LineClient c3 = LineClient.connect(sb, "C3")) {
            String t1 = c1.lock("tp-mixed");
            assertThat(c2.call("e", "tp-mixed", "")).isEqualTo("queued");
            c3.req("l", "tp-mixed", "10");
            awaitStats(c1, s -> lockWaiters(s, "tp-mixed") == 2, "C3 queued");
            c1.release("tp-mixed", t1);
            // C2 (queued first) is the holder; C3 keeps waiting
            c3.assertSilentFor(Duration.ofMillis(200));
            String t2 = LineClient.grantToken(c2.call("w", "tp-mixed", "5"), "ok", 33, "w tp-mixed 5");
            c2.release("tp-mixed", t2);
            String t3 = LineClient.grantToken(c3.line(), "ok", 33, "l tp-mixed 10");
            c3.release("tp-mixed", t3);
        }
    }

    @Test
    @DisplayName("§1.3: the w arg is TrimSpace'd before parsing")
    void waitArgTrimmed() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.grant("e", "tp-wtrim", " 45 ", "acquired", 45);
            assertThat(c1.call("w", "tp-wtrim", "  +0\t")).isEqualTo("ok " + t + " 45");
            c1.release("tp-wtrim", t);
        }
    }
}
