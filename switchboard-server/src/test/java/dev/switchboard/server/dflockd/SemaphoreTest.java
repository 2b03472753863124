package dev.switchboard.server.dflockd;

import static dev.switchboard.server.dflockd.LineClient.awaitStats;
import static dev.switchboard.server.dflockd.LineClient.semWaiters;
import static dev.switchboard.server.dflockd.LineClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** dflockd compat §1.5/§1.6 semaphores (sl/sr/sn/se/sw): S8. */
class SemaphoreTest extends SharedServer {
    @Test
    @DisplayName("S8: limit mismatch, duplicate se, separate lock namespace")
    void s8() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2");
             LineClient c3 = LineClient.connect(sb, "C3"); LineClient c4 = LineClient.connect(sb, "C4")) {
            LineClient.grantToken(c1.callRaw("sl\nsem1\n10 3\n"), "ok", 33, "sl\\nsem1\\n10 3\\n");
            assertThat(c2.callRaw("sl\nsem1\n10 5\n")).isEqualTo("error_limit_mismatch");
            c2.assertAlive();
            LineClient.grantToken(c3.callRaw("se\ns1\n3\n"), "acquired", 33, "se\\ns1\\n3\\n");
            assertThat(c3.callRaw("se\ns1\n3\n")).isEqualTo("error_already_enqueued");
            // since v1.14: the lock namespace is separate from the semaphore namespace
            LineClient.grantToken(c4.callRaw("l\nsem1\n0\n"), "ok", 33, "l\\nsem1\\n0\\n");
        }
    }

    @Test
    @DisplayName("§1.6: capacity: limit 3 -> three holders, the fourth times out, then is granted on release")
    void capacity() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient b = LineClient.connect(sb, "B");
             LineClient c = LineClient.connect(sb, "C"); LineClient d = LineClient.connect(sb, "D")) {
            String ta = a.grant("sl", "sem-cap", "0 3", "ok", 33);
            String tb = b.grant("sl", "sem-cap", "0 3", "ok", 33);
            String tc = c.grant("sl", "sem-cap", "0 3 60", "ok", 60);
            assertThat(List.of(ta, tb, tc)).doesNotHaveDuplicates();
            assertThat(d.call("sl", "sem-cap", "0 3")).isEqualTo("timeout");
            d.req("sl", "sem-cap", "10 3");
            awaitStats(a, s -> semWaiters(s, "sem-cap") == 1, "D queued");
            d.assertSilentFor(Duration.ofMillis(100));
            assertThat(b.call("sr", "sem-cap", tb)).isEqualTo("ok");
            String td = LineClient.grantToken(d.line(), "ok", 33, "sl sem-cap 10 3");
            assertThat(d.call("sr", "sem-cap", td)).isEqualTo("ok");
            assertThat(a.call("sr", "sem-cap", ta)).isEqualTo("ok");
            assertThat(a.call("sr", "sem-cap", ta)).isEqualTo("error");
            assertThat(c.call("sr", "sem-cap", tc)).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("§1.6: one connection may hold several slots of one semaphore (not re-entrant, just slots)")
    void oneConnectionSeveralSlots() {
        try (LineClient a = LineClient.connect(sb, "A")) {
            String t1 = a.grant("sl", "sem-multi", "0 2", "ok", 33);
            String t2 = a.grant("sl", "sem-multi", "0 2", "ok", 33);
            assertThat(t1).isNotEqualTo(t2);
            assertThat(a.call("sl", "sem-multi", "0 2")).isEqualTo("timeout");
            assertThat(a.call("sr", "sem-multi", t1)).isEqualTo("ok");
            assertThat(a.call("sr", "sem-multi", t2)).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("§1.5: sn renews with the default or the given lease; sr/sn with bad tokens -> error")
    void semRenewAndRelease() {
        try (LineClient a = LineClient.connect(sb, "A")) {
            String t = a.grant("sl", "sem-renew", "0 2 60", "ok", 60);
            assertThat(a.call("sn", "sem-renew", t)).isEqualTo("ok 33");
            assertThat(a.call("sn", "sem-renew", t + " 7")).isEqualTo("ok 7");
            assertThat(a.call("sn", "sem-renew", "badtoken")).isEqualTo("error");
            assertThat(a.call("sr", "sem-renew", "badtoken")).isEqualTo("error");
            // lock commands do not see semaphore tokens (separate namespace)
            assertThat(a.call("n", "sem-renew", t)).isEqualTo("error");
            assertThat(a.call("r", "sem-renew", t)).isEqualTo("error");
            assertThat(a.call("sr", "sem-renew", t)).isEqualTo("ok");
            assertThat(a.call("sn", "sem-renew", t)).isEqualTo("error");
        }
    }

    @Test
    @DisplayName("§1.6: lock tokens are not semaphore tokens (separate namespace)")
    void lockTokenNotUsableWithSemCommands() {
        try (LineClient a = LineClient.connect(sb, "A")) {
            String t = a.lock("sem-ns");
            assertThat(a.call("sn", "sem-ns", t)).isEqualTo("error");
            assertThat(a.call("sr", "sem-ns", t)).isEqualTo("error");
            // the same user key as a semaphore of limit 1 is independent of the held lock
            String st = a.grant("sl", "sem-ns", "0 1", "ok", 33);
            assertThat(a.call("se", "sem-ns", "5")).isEqualTo("error_limit_mismatch");
            a.release("sem-ns", t);
            assertThat(a.call("sr", "sem-ns", st)).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("§1.6: the limit sticks while the key exists (idle, before GC): different limit -> error_limit_mismatch")
    void limitSticksWhileIdle() {
        try (LineClient a = LineClient.connect(sb, "A")) {
            String t = a.grant("sl", "sem-sticky", "0 3", "ok", 33);
            assertThat(a.call("sr", "sem-sticky", t)).isEqualTo("ok");
            assertThat(a.call("sl", "sem-sticky", "0 5")).isEqualTo("error_limit_mismatch");
            assertThat(a.call("se", "sem-sticky", "4")).isEqualTo("error_limit_mismatch");
            assertThat(a.call("sr", "sem-sticky", a.grant("sl", "sem-sticky", "0 3", "ok", 33))).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("§1.5: se/sw: acquired fast path and queued slow path")
    void semTwoPhase() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient b = LineClient.connect(sb, "B");
             LineClient c = LineClient.connect(sb, "C")) {
            String ta = a.grant("se", "sem-2p", "2", "acquired", 33);
            String tb = b.grant("se", "sem-2p", "2 40", "acquired", 40);
            assertThat(c.call("se", "sem-2p", "2")).isEqualTo("queued");
            assertThat(c.call("se", "sem-2p", "2")).isEqualTo("error_already_enqueued");
            assertThat(a.call("sw", "sem-2p", "0")).isEqualTo("ok " + ta + " 33");
            c.req("sw", "sem-2p", "10");
            c.assertSilentFor(Duration.ofMillis(150));
            assertThat(b.call("sr", "sem-2p", tb)).isEqualTo("ok");
            String tc = LineClient.grantToken(c.line(), "ok", 33, "sw sem-2p 10");
            assertThat(c.call("sr", "sem-2p", tc)).isEqualTo("ok");
            assertThat(a.call("sr", "sem-2p", ta)).isEqualTo("ok");
            assertThat(b.call("sw", "sem-2p", "0")).isEqualTo("error_not_enqueued");
        }
    }

    @Test
    @DisplayName("§1.6: semaphore waiters are granted FIFO")
    void semFifo() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient b = LineClient.connect(sb, "B");
             LineClient w1 = LineClient.connect(sb, "W1"); LineClient w2 = LineClient.connect(sb, "W2")) {
            String ta = a.grant("sl", "sem-fifo", "0 2", "ok", 33);
            String tb = b.grant("sl", "sem-fifo", "0 2", "ok", 33);
            w1.req("sl", "sem-fifo", "10 2");
            awaitStats(a, s -> semWaiters(s, "sem-fifo") == 1, "W1 queued");
            w2.req("sl", "sem-fifo", "10 2");
            awaitStats(a, s -> semWaiters(s, "sem-fifo") == 2, "W2 queued");
            assertThat(b.call("sr", "sem-fifo", tb)).isEqualTo("ok");
            String t1 = LineClient.grantToken(w1.line(), "ok", 33, "sl sem-fifo 10 2 (W1)");
            w2.assertSilentFor(Duration.ofMillis(150));
            assertThat(a.call("sr", "sem-fifo", ta)).isEqualTo("ok");
            String t2 = LineClient.grantToken(w2.line(), "ok", 33, "sl sem-fifo 10 2 (W2)");
            assertThat(t1).isNotEqualTo(t2);
            assertThat(w1.call("sr", "sem-fifo", t1)).isEqualTo("ok");
            assertThat(w2.call("sr", "sem-fifo", t2)).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("§1.2: disconnect releases held semaphore slots")
    void semDisconnectReleases() {
        try (LineClient b = LineClient.connect(sb, "B")) {
            LineClient a = LineClient.connect(sb, "A");
            a.grant("sl", "sem-disc", "0 1", "ok", 33);
            a.grant("sl", "sem-disc2", "0 2", "ok", 33);
            a.grant("sl", "sem-disc2", "0 2", "ok", 33);
            a.close();
            LineClient.grantToken(b.call("sl", "sem-disc", "5 1"), "ok", 33, "sl sem-disc 5 1");
            LineClient.grantToken(b.call("sl", "sem-disc2", "5 2"), "ok", 33, "sl sem-disc2 5 2");
            LineClient.grantToken(b.call("sl", "sem-disc2", "5 2"), "ok", 33, "sl sem-disc2 5 2");
        }
    }

    @Test
    @DisplayName("§1.6: expired semaphore leases are swept and the slot goes to the next waiter")
    void semLeaseExpiry() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient b = LineClient.connect(sb, "B")) {
            String t1 = a.grant("sl", "sem-exp", "0 2 1", "ok", 1);
            String t2 = a.grant("sl", "sem-exp", "0 2 60", "ok", 60);
            b.req("sl", "sem-exp", "10 2");
            String tb = LineClient.grantToken(b.line(), "ok", 33, "sl sem-exp 10 2");
            assertThat(a.call("sr", "sem-exp", t1)).isEqualTo("error");
            assertThat(a.call("sr", "sem-exp", t2)).isEqualTo("ok");
            assertThat(b.call("sr", "sem-exp", tb)).isEqualTo("ok");
        }
    }
}
