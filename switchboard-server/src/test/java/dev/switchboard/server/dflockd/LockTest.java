package dev.switchboard.server.dflockd;

import static dev.switchboard.server.dflockd.LineClient.awaitStats;
import static dev.switchboard.server.dflockd.LineClient.fence;
import static dev.switchboard.server.dflockd.LineClient.lockWaiters;
import static dev.switchboard.server.dflockd.LineClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** dflockd compat §1.5/§1.6 lock semantics: S3, S4, S12, FIFO, leases, disconnect cleanup. */
class LockTest extends SharedServer {
    @Test
    @DisplayName("S3: try-lock (timeout 0) on a held key -> timeout, immediately")
    void s3TryLockOnHeldKey() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t = c1.grant("l", "lk-s3", "10", "ok", 33);
            assertThat(c2.callRaw("l\nlk-s3\n0\n")).isEqualTo("timeout");
            c2.assertAlive();
            c1.release("lk-s3", t);
        }
    }

    @Test
    @DisplayName("S4: renew -> ok 33, renew/release with a bad token -> error, connection stays open")
    void s4Renew() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.grant("l", "lk-s4", "10", "ok", 33);
            assertThat(c1.callRaw("n\nlk-s4\n" + t + "\n")).isEqualTo("ok 33");
            assertThat(c1.callRaw("n\nlk-s4\nbadtoken\n")).isEqualTo("error");
            assertThat(c1.callRaw("r\nlk-s4\nwrongtoken\n")).isEqualTo("error");
            c1.assertAlive();
            // the real holder is unaffected by the failed attempts
            assertThat(c1.call("n", "lk-s4", t + " 60")).isEqualTo("ok 60");
            c1.release("lk-s4", t);
        }
    }

    @Test
    @DisplayName("§1.5: renew without a lease applies the default TTL, not the TTL the holder was granted")
    void renewAppliesDefaultLease() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.grant("l", "lk-renew-default", "0 60", "ok", 60);
            assertThat(c1.call("n", "lk-renew-default", t)).isEqualTo("ok 33");
            assertThat(c1.call("n", "lk-renew-default", t + " 7")).isEqualTo("ok 7");
            assertThat(c1.call("n", "lk-renew-default", t + " +010")).isEqualTo("ok 10");
            assertThat(c1.call("n", "lk-renew-default", "  " + t + "  ")).isEqualTo("ok 33");
            // malformed renewals are rejected without touching the holder
            assertThat(c1.call("n", "lk-renew-default", t + " 0")).isEqualTo("error");
            assertThat(c1.call("n", "lk-renew-default", t + " -1")).isEqualTo("error");
            assertThat(c1.call("n", "lk-renew-default", t + " 9223372037")).isEqualTo("error");
            assertThat(c1.call("n", "lk-renew-default", t + " 0x10")).isEqualTo("error");
            assertThat(c1.call("n", "lk-renew-default", t + " 5 5")).isEqualTo("error");
            assertThat(c1.call("n", "lk-renew-default", t + " 9223372036")).isEqualTo("ok 9223372036");
            c1.release("lk-renew-default", t);
        }
    }

    @Test
    @DisplayName("§1.5: renew of a token on the wrong key -> error")
    void renewWrongKey() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.lock("lk-rk-a");
            c1.lock("lk-rk-b");
            assertThat(c1.call("n", "lk-rk-b", t)).isEqualTo("error");
            assertThat(c1.call("r", "lk-rk-b", t)).isEqualTo("error");
            assertThat(c1.call("r", "lk-rk-a", t)).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("§1.5: release with a token from another connection -> ok; the next waiter is granted")
    void releaseFromAnotherConnection() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2");
             LineClient c3 = LineClient.connect(sb, "C3")) {
            String t = c1.lock("lk-foreign");
            c3.req("l", "lk-foreign", "10");
            awaitStats(c2, s -> lockWaiters(s, "lk-foreign") == 1, "C3 queued");
            assertThat(c2.call("r", "lk-foreign", t)).isEqualTo("ok");
            String t3 = LineClient.grantToken(c3.line(), "ok", 33, "l lk-foreign 10");
            assertThat(t3).isNotEqualTo(t);
            assertThat(c1.call("r", "lk-foreign", t)).isEqualTo("error");
            c3.release("lk-foreign", t3);
        }
    }

    @Test
    @DisplayName("§1.5: release twice, release on an unknown key, renew after release -> error")
    void releaseTwice() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.lock("lk-twice");
            assertThat(c1.call("r", "lk-twice", t)).isEqualTo("ok");
            assertThat(c1.call("r", "lk-twice", t)).isEqualTo("error");
            assertThat(c1.call("n", "lk-twice", t)).isEqualTo("error");
            assertThat(c1.call("r", "lk-never-seen", t)).isEqualTo("error");
            assertThat(c1.call("r", "lk-twice", "00000000000000000000000000000000")).isEqualTo("error");
            c1.assertAlive();
        }
    }

    @Test
    @DisplayName("§1.6: nothing is re-entrant: l twice on a key this connection holds -> timeout")
    void notReentrant() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.lock("lk-reentrant");
            assertThat(c1.call("l", "lk-reentrant", "0")).isEqualTo("timeout");
            c1.release("lk-reentrant", t);
            c1.release("lk-reentrant", c1.lock("lk-reentrant"));
        }
    }

    @Test
    @DisplayName("§1.6: a blocking l times out with timeout and its waiter is removed")
    void blockingTimeoutRemovesWaiter() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t = c1.lock("lk-block-timeout");
            assertThat(c2.call("l", "lk-block-timeout", "1")).isEqualTo("timeout");
            assertThat(lockWaiters(c2.stats(), "lk-block-timeout")).isZero();
            c1.release("lk-block-timeout", t);
            // the timed-out waiter got nothing: the key is free
            c2.release("lk-block-timeout", c2.lock("lk-block-timeout"));
            c2.assertSilentFor(Duration.ofMillis(100));
        }
    }

    @Test
    @DisplayName("§1.5: a waiter granted later gets the lease it requested")
    void waiterGetsRequestedLease() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t = c1.lock("lk-wlease");
            c2.req("l", "lk-wlease", "10 5");
            awaitStats(c1, s -> lockWaiters(s, "lk-wlease") == 1, "C2 queued");
            c1.release("lk-wlease", t);
            String t2 = LineClient.grantToken(c2.line(), "ok", 5, "l lk-wlease 10 5");
            c2.release("lk-wlease", t2);
        }
    }

    @Test
    @DisplayName("S12: FIFO: C2 granted on release, C3 only after C2 releases")
    void s12Fifo() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2");
             LineClient c3 = LineClient.connect(sb, "C3"); LineClient obs = LineClient.connect(sb, "observer")) {
            String t1 = c1.grant("l", "k-s12", "10", "ok", 33);
            c2.send("l\nk-s12\n10\n");
            awaitStats(obs, s -> lockWaiters(s, "k-s12") == 1, "C2 queued");
            c3.send("l\nk-s12\n10\n");
            awaitStats(obs, s -> lockWaiters(s, "k-s12") == 2, "C3 queued");
            assertThat(c1.callRaw("r\nk-s12\n" + t1 + "\n")).isEqualTo("ok");
            String t2 = LineClient.grantToken(c2.line(), "ok", 33, "l k-s12 10 (C2)");
            c3.assertSilentFor(Duration.ofMillis(300));
            assertThat(c2.callRaw("r\nk-s12\n" + t2 + "\n")).isEqualTo("ok");
            String t3 = LineClient.grantToken(c3.line(), "ok", 33, "l k-s12 10 (C3)");
            assertThat(List.of(t1, t2, t3)).doesNotHaveDuplicates();
            c3.release("k-s12", t3);
        }
    }

    @Test
    @DisplayName("§1.6: FIFO with 10 queued connections: grants strictly in arrival order")
    void fifoTenContenders() {
        int n = 10;
        List<LineClient> clients = new ArrayList<>();
        try (LineClient holder = LineClient.connect(sb, "holder"); LineClient obs = LineClient.connect(sb, "observer")) {
            String token = holder.lock("lk-fifo10", "0 60", 60);
            for (int i = 0; i < n; i++) {
                LineClient c = LineClient.connect(sb, "W" + i);
                clients.add(c);
                c.req("l", "lk-fifo10", "30 60");
                int expected = i + 1;
                awaitStats(obs, s -> lockWaiters(s, "lk-fifo10") == expected, "W" + i + " queued");
            }
            holder.release("lk-fifo10", token);
            List<String> tokens = new ArrayList<>();
            tokens.add(token);
            for (int i = 0; i < n; i++) {
                LineClient c = clients.get(i);
                String t = LineClient.grantToken(c.line(), "ok", 60, "l lk-fifo10 30 60 (W" + i + ")");
                tokens.add(t);
                if (i + 1 < n) clients.get(i + 1).assertSilentFor(Duration.ofMillis(50));
                c.release("lk-fifo10", t);
            }
            assertThat(tokens).doesNotHaveDuplicates();
            // v2.1 tokens of one key compare lexicographically in grant order
            assertThat(tokens).isSorted();
            for (int i = 1; i < tokens.size(); i++) {
                assertThat(Long.compareUnsigned(fence(tokens.get(i)), fence(tokens.get(i - 1)))).isPositive();
            }
        } finally {
            clients.forEach(LineClient::close);
        }
    }

    @Test
    @DisplayName("S12: disconnect releases held locks (auto-release on)")
    void s12DisconnectReleases() {
        try (LineClient c2 = LineClient.connect(sb, "C2")) {
            LineClient c1 = LineClient.connect(sb, "C1");
            c1.grant("l", "k-s12-disc", "10", "ok", 33);
            c1.close();
            // blocking acquire: must be granted once the server notices the disconnect
            assertThat(c2.callRaw("l\nk-s12-disc\n5\n")).matches("^ok [0-9a-f]{32} 33$");
        }
    }

    @Test
    @DisplayName("§1.2: disconnect while queued removes the waiter; it can never observe a grant")
    void disconnectRemovesWaiter() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c3 = LineClient.connect(sb, "C3")) {
            String t1 = c1.lock("lk-disc-waiter");
            LineClient c2 = LineClient.connect(sb, "C2");
            c2.req("l", "lk-disc-waiter", "30");
            awaitStats(c1, s -> lockWaiters(s, "lk-disc-waiter") == 1, "C2 queued");
            c2.close();
            awaitStats(c1, s -> lockWaiters(s, "lk-disc-waiter") == 0, "C2's waiter removed on disconnect");
            c1.release("lk-disc-waiter", t1);
            // free for a try-lock: the grant was not handed to the departed C2
            c3.release("lk-disc-waiter", c3.lock("lk-disc-waiter"));
        }
    }

    @Test
    @DisplayName("§1.2: disconnect hands a held lock FIFO to the next waiter")
    void disconnectHandsToWaiter() {
        try (LineClient c2 = LineClient.connect(sb, "C2"); LineClient obs = LineClient.connect(sb, "observer")) {
            LineClient c1 = LineClient.connect(sb, "C1");
            c1.lock("lk-disc-handoff");
            c2.req("l", "lk-disc-handoff", "10");
            awaitStats(obs, s -> lockWaiters(s, "lk-disc-handoff") == 1, "C2 queued");
            c1.close();
            assertThat(c2.line()).matches("^ok [0-9a-f]{32} 33$");
        }
    }

    @Test
    @DisplayName("§1.2: auto-release off: the holder survives its disconnect until its (3 s) lease expires")
    void autoReleaseOff() {
        try (Switchboard s = start(b -> b.autoReleaseOnDisconnect(false));
             LineClient c2 = LineClient.connect(s, "C2")) {
            LineClient c1 = LineClient.connect(s, "C1");
            String t1 = c1.grant("l", "mykey", "10 3", "ok", 3);
            c1.close();
            awaitStats(c2, st -> st.get("connections").asInt() == 1, "C1's disconnect processed");
            assertThat(c2.call("l", "mykey", "0")).isEqualTo("timeout");
            // pending waiters of a departing connection are removed even with auto-release off
            LineClient c3 = LineClient.connect(s, "C3");
            c3.req("l", "mykey", "30");
            awaitStats(c2, st -> lockWaiters(st, "mykey") == 1, "C3 queued");
            c3.close();
            awaitStats(c2, st -> lockWaiters(st, "mykey") == 0, "C3's waiter removed on disconnect");
            // granted only after the 3 s lease expires and is swept
            c2.req("l", "mykey", "10");
            String t2 = LineClient.grantToken(c2.line(Duration.ofSeconds(8)), "ok", 33, "l mykey 10");
            assertThat(t2).isNotEqualTo(t1);
            // C1's expired token is gone
            assertThat(c2.call("r", "mykey", t1)).isEqualTo("error");
        }
    }

    @Test
    @DisplayName("§1.6: lease expiry (1 s lease, 1 s sweep) grants the next waiter")
    void leaseExpiryGrantsNextWaiter() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t1 = c1.grant("l", "lk-expiry", "0 1", "ok", 1);
            c2.req("l", "lk-expiry", "10");
            String t2 = LineClient.grantToken(c2.line(), "ok", 33, "l lk-expiry 10");
            assertThat(t2).isNotEqualTo(t1);
            // the expired holder was evicted: its token is gone
            assertThat(c1.call("r", "lk-expiry", t1)).isEqualTo("error");
            assertThat(c1.call("n", "lk-expiry", t1)).isEqualTo("error");
            c2.release("lk-expiry", t2);
        }
    }

    @Test
    @DisplayName("§1.5: release of an expired-but-not-yet-swept token -> ok")
    void releaseExpiredNotSwept() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard s = start(b -> b.clock(clock).leaseSweepInterval(Duration.ofHours(1)));
             LineClient c1 = LineClient.connect(s, "C1")) {
            String t = c1.grant("l", "mykey", "0 1", "ok", 1);
            clock.advance(Duration.ofMillis(1300)); // past the 1 s lease
            assertThat(c1.call("r", "mykey", t)).isEqualTo("ok");
            assertThat(c1.call("r", "mykey", t)).isEqualTo("error");
        }
    }

    @Test
    @DisplayName("§1.5: renew of an expired holder -> error and the holder is evicted")
    void renewExpiredRejected() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard s = start(b -> b.clock(clock).leaseSweepInterval(Duration.ofHours(1)));
             LineClient c1 = LineClient.connect(s, "C1")) {
            String t = c1.grant("l", "mykey", "0 1", "ok", 1);
            clock.advance(Duration.ofMillis(1300)); // past the 1 s lease
            assertThat(c1.call("n", "mykey", t)).isEqualTo("error");
            assertThat(c1.call("r", "mykey", t)).isEqualTo("error");
            c1.lock("mykey");
        }
    }

    @Test
    @DisplayName("§1.6: an expired holder is evicted opportunistically by the next l on the key (no sweep)")
    void opportunisticEviction() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard s = start(b -> b.clock(clock).leaseSweepInterval(Duration.ofHours(1)));
             LineClient c1 = LineClient.connect(s, "C1"); LineClient c2 = LineClient.connect(s, "C2")) {
            String t1 = c1.grant("l", "mykey", "0 1", "ok", 1);
            clock.advance(Duration.ofMillis(1300)); // past the 1 s lease
            String t2 = c2.lock("mykey");
            assertThat(t2).isNotEqualTo(t1);
            assertThat(c1.call("r", "mykey", t1)).isEqualTo("error");
        }
    }

    @Test
    @DisplayName("§1.1: requests pipelined behind a blocking l are not read until it is answered")
    void pipelinedBehindBlockingLock() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t1 = c1.lock("lk-pipe");
            c2.send("l\nlk-pipe\n10\nping\n_\n\nstats\n_\n_\n");
            awaitStats(c1, s -> lockWaiters(s, "lk-pipe") == 1, "C2 queued");
            c2.assertSilentFor(Duration.ofMillis(300));
            c1.release("lk-pipe", t1);
            String t2 = LineClient.grantToken(c2.line(), "ok", 33, "l lk-pipe 10");
            assertThat(c2.line()).isEqualTo("ok");
            assertThat(c2.line()).startsWith("ok {\"connections\":");
            c2.release("lk-pipe", t2);
        }
    }

    @Test
    @DisplayName("§1.6: a waiter's lease starts at grant time, not at request time")
    void waiterLeaseStartsAtGrant() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard s = start(b -> b.clock(clock).leaseSweepInterval(Duration.ofMillis(100)));
             LineClient c1 = LineClient.connect(s, "C1"); LineClient c2 = LineClient.connect(s, "C2")) {
            String t1 = c1.lock("k", "0 60", 60);
            c2.req("l", "k", "10 2");
            awaitStats(c1, st -> lockWaiters(st, "k") == 1, "C2 queued"); // the wait starts before time moves
            clock.advance(Duration.ofMillis(1500)); // the sweeper runs 15 times meanwhile
            c1.release("k", t1);
            String t2 = LineClient.grantToken(c2.line(), "ok", 2, "l k 10 2");
            clock.advance(Duration.ofMillis(1000));
            // 2.5 s after the request but 1 s after the grant: the 2 s lease is still running
            assertThat(c2.call("n", "k", t2)).isEqualTo("ok 33");
            c2.release("k", t2);
        }
    }

    @Test
    @DisplayName("§1.2: disconnect after e -> acquired (no w) releases the lock (auto-release on)")
    void disconnectAfterEnqueueAcquired() {
        try (LineClient c2 = LineClient.connect(sb, "C2")) {
            LineClient c1 = LineClient.connect(sb, "C1");
            c1.grant("e", "lk-disc-e", "", "acquired", 33);
            c1.close();
            LineClient.grantToken(c2.call("l", "lk-disc-e", "5"), "ok", 33, "l lk-disc-e 5");
        }
    }

    @Test
    @DisplayName("§1.3: the r arg is TrimSpace'd: a padded token releases")
    void releaseTokenTrimmed() {
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.lock("lk-trim");
            assertThat(c1.call("r", "lk-trim", " \t" + t + "  ")).isEqualTo("ok");
            assertThat(c1.call("l", "lk-trim", "0")).matches("^ok [0-9a-f]{32} 33$");
        }
    }
}
