package dev.switchboard.server.dflockd;

import static dev.switchboard.server.dflockd.LineClient.awaitStats;
import static dev.switchboard.server.dflockd.LineClient.hasEntry;
import static dev.switchboard.server.dflockd.LineClient.lockWaiters;
import static dev.switchboard.server.dflockd.LineClient.repeat;
import static dev.switchboard.server.dflockd.LineClient.semWaiters;
import static dev.switchboard.server.dflockd.LineClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** dflockd compat §1.2 (connection lifecycle), §1.6 caps, S9, S10. */
class CapsAuthDrainTest {

    // ---------------------------------------------------------------------------------------- max-locks

    @Test
    @DisplayName("S9: --max-locks 2: the third key -> error_max_locks (all creating commands)")
    void s9MaxLocks() {
        try (Switchboard sb = start(b -> b.maxLocks(2)); LineClient c1 = LineClient.connect(sb, "C1")) {
            String t1 = LineClient.grantToken(c1.callRaw("l\nkey1\n0\n"), "ok", 33, "l\\nkey1\\n0\\n");
            String t2 = LineClient.grantToken(c1.callRaw("l\nkey2\n0\n"), "ok", 33, "l\\nkey2\\n0\\n");
            assertThat(c1.callRaw("l\nkey3\n0\n")).isEqualTo("error_max_locks");
            assertThat(c1.callRaw("l\nkey3\n10\n")).isEqualTo("error_max_locks");
            assertThat(c1.call("e", "key3", "")).isEqualTo("error_max_locks");
            assertThat(c1.call("sl", "key3", "0 2")).isEqualTo("error_max_locks");
            assertThat(c1.call("se", "key3", "2")).isEqualTo("error_max_locks");
            c1.assertAlive();
            // existing keys are not affected by the cap
            assertThat(c1.call("l", "key1", "0")).isEqualTo("timeout");
            c1.release("key1", t1);
            c1.release("key2", t2);
            // idle entries still count until GC (default gc-max-idle 60 s)
            assertThat(c1.call("l", "key3", "0")).isEqualTo("error_max_locks");
            c1.release("key1", c1.lock("key1"));
        }
    }

    @Test
    @DisplayName("§1.6: locks and semaphores share one --max-locks budget (same user key counts twice)")
    void maxLocksSharedBudget() {
        try (Switchboard sb = start(b -> b.maxLocks(2)); LineClient c1 = LineClient.connect(sb, "C1")) {
            c1.lock("x");
            c1.grant("sl", "x", "0 2", "ok", 33);
            assertThat(c1.call("l", "y", "0")).isEqualTo("error_max_locks");
            assertThat(c1.call("sl", "y", "0 2")).isEqualTo("error_max_locks");
        }
    }

    @Test
    @DisplayName("§1.6: an idle key counts toward --max-locks until GC prunes it")
    void maxLocksFreedByGc() {
        try (Switchboard sb = start(b -> b.maxLocks(1).gcInterval(Duration.ofMillis(200)).gcMaxIdle(Duration.ofMillis(500)));
             LineClient c1 = LineClient.connect(sb, "C1")) {
            c1.release("a", c1.lock("a"));
            assertThat(c1.call("l", "b", "0")).isEqualTo("error_max_locks");
            assertThat(hasEntry(c1.stats(), "idle_locks", "a")).isTrue();
            AtomicReference<String> last = new AtomicReference<>();
            Awaitility.await("GC prunes idle key a so that b can be created")
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        last.set(c1.call("l", "b", "0"));
                        return !last.get().equals("error_max_locks");
                    });
            assertThat(last.get()).matches("^ok [0-9a-f]{32} 33$");
            assertThat(hasEntry(c1.stats(), "idle_locks", "a")).isFalse();
        }
    }

    @Test
    @DisplayName("§1.6: GC does not prune keys with holders or waiters")
    void gcKeepsBusyKeys() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard sb = start(b -> b.clock(clock).maxLocks(2).gcInterval(Duration.ofMillis(100)).gcMaxIdle(Duration.ofMillis(100)));
             LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t = c1.lock("held", "0 60", 60);
            c2.req("l", "held", "30");
            awaitStats(c1, s -> lockWaiters(s, "held") == 1, "C2 queued");
            clock.advance(Duration.ofMillis(600)); // six GC runs, each past the idle time
            assertThat(c1.call("n", "held", t)).isEqualTo("ok 33");
            c1.release("held", t);
            String t2 = LineClient.grantToken(c2.line(), "ok", 33, "l held 30");
            c2.release("held", t2);
        }
    }

    // ---------------------------------------------------------------------------------------- max-waiters

    @Test
    @DisplayName("S9: a try-lock (timeout 0) on a key whose queue is full -> error_max_waiters, as dflockd checks the cap first")
    void tryLockOnAFullQueueIsMaxWaiters() {
        try (Switchboard sb = start(b -> b.maxWaiters(1));
             LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2");
             LineClient c3 = LineClient.connect(sb, "C3")) {
            LineClient.grantToken(c1.callRaw("l\ntry\n10\n"), "ok", 33, "l\ntry\n10\n");
            c2.send("l\ntry\n10\n");
            awaitStats(c1, s -> lockWaiters(s, "try") == 1, "C2 queued");
            assertThat(c3.callRaw("l\ntry\n0\n")).isEqualTo("error_max_waiters");
            assertThat(c3.callRaw("sl\ntry-sem\n0 1\n")).startsWith("ok ");
            try (LineClient c4 = LineClient.connect(sb, "C4")) {
                c4.send("sl\ntry-sem\n10 1\n");
                awaitStats(c1, s -> LineClient.entryInt(s, "locks", "try-sem", "waiters") == 1, "C4 queued on the semaphore");
                assertThat(c1.callRaw("sl\ntry-sem\n0 1\n")).isEqualTo("error_max_waiters");
            }
            // Not full: a try-lock on a held key is a plain timeout.
            try (LineClient c5 = LineClient.connect(sb, "C5")) {
                c5.callRaw("l\nheld\n0\n");
                assertThat(c3.callRaw("l\nheld\n0\n")).isEqualTo("timeout");
            }
        }
    }

    @Test
    @DisplayName("S9: --max-waiters 1: the second waiter -> error_max_waiters (l, e, sl, se)")
    void s9MaxWaiters() {
        try (Switchboard sb = start(b -> b.maxWaiters(1));
             LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2");
             LineClient c3 = LineClient.connect(sb, "C3")) {
            String t1 = LineClient.grantToken(c1.callRaw("l\nmykey\n10\n"), "ok", 33, "l\\nmykey\\n10\\n");
            c2.send("l\nmykey\n10\n");
            awaitStats(c1, s -> lockWaiters(s, "mykey") == 1, "C2 queued");
            assertThat(c3.callRaw("l\nmykey\n10\n")).isEqualTo("error_max_waiters");
            assertThat(c3.call("e", "mykey", "")).isEqualTo("error_max_waiters");
            c3.assertAlive();
            // the cap is per key
            c3.release("other", c3.lock("other"));
            // semaphores too
            String s1 = c1.grant("sl", "sem", "0 1", "ok", 33);
            try (LineClient c4 = LineClient.connect(sb, "C4")) {
                c4.req("sl", "sem", "10 1");
                awaitStats(c1, s -> semWaiters(s, "sem") == 1 || LineClient.entryInt(s, "locks", "sem", "waiters") == 1,
                        "C4 queued on sem");
                assertThat(c3.call("sl", "sem", "10 1")).isEqualTo("error_max_waiters");
                assertThat(c3.call("se", "sem", "1")).isEqualTo("error_max_waiters");
                assertThat(c1.call("sr", "sem", s1)).isEqualTo("ok");
                LineClient.grantToken(c4.line(), "ok", 33, "sl sem 10 1");
            }
            // once the waiter is granted there is room again
            c1.release("mykey", t1);
            LineClient.grantToken(c2.line(), "ok", 33, "l mykey 10");
            c3.req("l", "mykey", "10");
            c3.assertSilentFor(Duration.ofMillis(100));
        }
    }

    // ---------------------------------------------------------------------------------------- max-connections

    @Test
    @DisplayName("§1.2: --max-connections 2: a third connection is closed with no bytes; room again after a close")
    void maxConnections() {
        try (Switchboard sb = start(b -> b.maxConnections(2));
             LineClient c2 = LineClient.connect(sb, "C2")) {
            LineClient c1 = LineClient.connect(sb, "C1");
            c1.assertAlive();
            c2.assertAlive();
            try (LineClient c3 = LineClient.connect(sb, "C3")) {
                c3.assertClosedByServer();
            }
            c1.close();
            Awaitility.await("a slot frees after C1 disconnects")
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        try (LineClient c4 = LineClient.connect(sb, "C4")) {
                            return c4.call("ping", "_", "").equals("ok");
                        } catch (AssertionError stillFull) {
                            return false;
                        }
                    });
            c2.assertAlive();
        }
    }

    // ---------------------------------------------------------------------------------------- auth

    @Test
    @DisplayName("S10: auth handshake: ok, wrong token, missing auth")
    void s10Auth() {
        try (Switchboard sb = start(b -> b.authToken("secret123"))) {
            try (LineClient c1 = LineClient.connect(sb, "C1")) {
                assertThat(c1.callRaw("auth\n_\nsecret123\n")).isEqualTo("ok");
                LineClient.grantToken(c1.callRaw("l\nmykey\n10\n"), "ok", 33, "l\\nmykey\\n10\\n");
                // a second auth is not in the dispatch table
                assertThat(c1.call("auth", "_", "secret123")).isEqualTo("error");
                c1.assertAlive();
            }
            try (LineClient c2 = LineClient.connect(sb, "C2")) {
                assertThat(c2.callRaw("auth\n_\nwrongtoken\n")).isEqualTo("error_auth");
                c2.assertClosedByServer();
            }
            try (LineClient c3 = LineClient.connect(sb, "C3")) {
                assertThat(c3.callRaw("l\nmykey\n10\n")).isEqualTo("error_auth");
                c3.assertClosedByServer();
            }
        }
    }

    @Test
    @DisplayName("S10: with no token configured, auth -> error and the connection stays open")
    void s10AuthWithoutToken() {
        try (Switchboard sb = start(); LineClient c4 = LineClient.connect(sb, "C4")) {
            assertThat(c4.callRaw("auth\n_\nx\n")).isEqualTo("error");
            c4.assertAlive();
            c4.release("k", c4.lock("k"));
        }
    }

    @Test
    @DisplayName("§1.2: auth arg is whitespace-trimmed; the key line is ignored")
    void authTrimmedKeyIgnored() {
        try (Switchboard sb = start(b -> b.authToken("secret123")); LineClient c = LineClient.connect(sb)) {
            assertThat(c.call("auth", "any key at all", " \tsecret123  ")).isEqualTo("ok");
            c.assertAlive();
        }
    }

    @Test
    @DisplayName("§1.2: auth failures: empty arg, token prefix, ping/stats first -> error_auth then close")
    void authFailures() {
        try (Switchboard sb = start(b -> b.authToken("secret123"))) {
            for (String[] req : new String[][] {
                    {"auth", "_", ""}, {"auth", "_", "secret12"}, {"auth", "_", "secret1234"},
                    {"auth", "_", "SECRET123"}, {"ping", "_", ""}, {"stats", "_", "_"}, {"boguscmd", "k", "a"}}) {
                try (LineClient c = LineClient.connect(sb, "client sending " + String.join("|", req))) {
                    assertThat(c.call(req[0], req[1], req[2])).isEqualTo("error_auth");
                    c.assertClosedByServer();
                }
            }
        }
    }

    @Test
    @DisplayName("§1.1: the auth arg line may be 64 KiB (65536 bytes)")
    void authArg64KiB() {
        String token = repeat('t', 65536);
        try (Switchboard sb = start(b -> b.authToken(token))) {
            try (LineClient c = LineClient.connect(sb, "exact 64 KiB token")) {
                assertThat(c.call("auth", "_", token)).isEqualTo("ok");
                c.assertAlive();
            }
        }
        try (Switchboard sb = start(b -> b.authToken("secret"))) {
            try (LineClient c = LineClient.connect(sb, "64 KiB padded arg")) {
                assertThat(c.call("auth", "_", repeat(' ', 65536 - 6) + "secret")).isEqualTo("ok");
                c.assertAlive();
            }
            try (LineClient c = LineClient.connect(sb, "64 KiB + 1 arg")) {
                assertThat(c.call("auth", "_", repeat(' ', 65537 - 6) + "secret")).isEqualTo("error_auth");
                c.assertClosedByServer();
            }
            // the 64 KiB allowance is only for the auth arg line: a 257-byte key line is still too long
            try (LineClient c = LineClient.connect(sb, "257-byte auth key line")) {
                c.send("auth\n" + repeat('k', 257) + "\n");
                assertThat(c.line()).isIn("error", "error_auth");
                c.assertClosedByServer();
            }
        }
    }

    // ---------------------------------------------------------------------------------------- drain

    @Test
    @DisplayName("§1.2: after drain(), the next request gets error_draining and the connection is closed")
    void drain() {
        Switchboard sb = start(b -> b.shutdownTimeout(Duration.ofSeconds(10)));
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            c1.assertAlive();
            c2.lock("held");
            sb.drain();
            assertThat(sb.isDraining()).isTrue();
            assertThat(c1.callRaw("ping\n_\n\n")).isEqualTo("error_draining");
            c1.assertClosedByServer();
            assertThat(c2.callRaw("l\nother\n0\n")).isEqualTo("error_draining");
            c2.assertClosedByServer();
        } finally {
            sb.close();
        }
    }

    @Test
    @DisplayName("§1.2: close() ends idle connections (after the shutdown timeout at the latest)")
    void closeEndsIdleConnections() {
        Switchboard sb = start(b -> b.shutdownTimeout(Duration.ofSeconds(1)));
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            c1.assertAlive();
            sb.close();
            assertThat(c1.drainUntilClosed(Duration.ofSeconds(5))).as("C1 closed by close()").isTrue();
        } finally {
            sb.close();
        }
    }
}
