package dev.switchboard.server.dflockd;

import static dev.switchboard.server.dflockd.LineClient.GO_FLOAT_RE;
import static dev.switchboard.server.dflockd.LineClient.awaitStats;
import static dev.switchboard.server.dflockd.LineClient.lockWaiters;
import static dev.switchboard.server.dflockd.LineClient.semWaiters;
import static dev.switchboard.server.dflockd.LineClient.show;
import static dev.switchboard.server.dflockd.LineClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** dflockd compat §1.7 stats JSON byte shape, S11. Each test runs on a fresh server so connection IDs are known. */
class StatsTest {
    private static final String F = "(" + GO_FLOAT_RE + ")";

    private static Matcher assertShape(String line, String regex) {
        Matcher m = Pattern.compile("^" + regex + "$").matcher(line);
        assertThat(m.matches()).as("stats line " + show(line + "\n") + " must match /" + regex + "/").isTrue();
        return m;
    }

    private static String q(String literal) {
        return Pattern.quote(literal);
    }

    @Test
    @DisplayName("S11: stats on an empty server: exact bytes, for both stats\\n_\\n\\n and stats\\n_\\n_\\n")
    void s11EmptyExact() {
        try (Switchboard sb = start(); LineClient c1 = LineClient.connect(sb, "C1")) {
            String expected = "ok {\"connections\":1,\"locks\":[],\"semaphores\":[],\"idle_locks\":[],\"idle_semaphores\":[]}";
            assertThat(c1.callRaw("stats\n_\n\n")).isEqualTo(expected);
            assertThat(c1.callRaw("stats\n_\n_\n")).isEqualTo(expected);
            assertThat(c1.callRaw("ping\n_\n\n")).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("§1.7: held lock with a waiter: owner_conn_id, lease_expires_in_s, waiters; connection IDs start at 1")
    void lockEntryShape() {
        try (Switchboard sb = start(); LineClient c1 = LineClient.connect(sb, "C1")) {
            c1.assertAlive(); // conn 1
            try (LineClient c2 = LineClient.connect(sb, "C2"); LineClient c3 = LineClient.connect(sb, "C3")) {
                c2.assertAlive(); // conn 2
                c3.assertAlive(); // conn 3
                c1.lock("k", "10 60", 60);
                c2.req("l", "k", "30");
                awaitStats(c3, s -> lockWaiters(s, "k") == 1, "C2 queued");
                String line = c3.call("stats", "_", "_");
                Matcher m = assertShape(line, q("ok {\"connections\":3,\"locks\":[{\"key\":\"k\",\"owner_conn_id\":1,\"lease_expires_in_s\":")
                        + F + q(",\"waiters\":1}],\"semaphores\":[],\"idle_locks\":[],\"idle_semaphores\":[]}"));
                double left = Double.parseDouble(m.group(1));
                assertThat(left).isBetween(50.0, 60.0);
            }
        }
    }

    @Test
    @DisplayName("§1.7: semaphore entry: key, limit, holders, waiters")
    void semaphoreEntryShape() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A");
             LineClient b = LineClient.connect(sb, "B"); LineClient w = LineClient.connect(sb, "W")) {
            a.grant("sl", "s", "0 2", "ok", 33);
            b.grant("sl", "s", "0 2", "ok", 33);
            w.req("sl", "s", "30 2");
            awaitStats(a, st -> semWaiters(st, "s") == 1, "W queued");
            assertThat(a.call("stats", "_", "_")).isEqualTo(
                    "ok {\"connections\":3,\"locks\":[],\"semaphores\":[{\"key\":\"s\",\"limit\":2,\"holders\":2,\"waiters\":1}],"
                            + "\"idle_locks\":[],\"idle_semaphores\":[]}");
        }
    }

    @Test
    @DisplayName("§1.7: the docs example: limit 3, one holder")
    void semaphoreDocExample() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            a.grant("sl", "s", "0 3", "ok", 33);
            assertThat(a.call("stats", "_", "")).isEqualTo(
                    "ok {\"connections\":1,\"locks\":[],\"semaphores\":[{\"key\":\"s\",\"limit\":3,\"holders\":1,\"waiters\":0}],"
                            + "\"idle_locks\":[],\"idle_semaphores\":[]}");
        }
    }

    @Test
    @DisplayName("§1.7: released keys show up as idle_locks / idle_semaphores with idle_s")
    void idleEntries() throws Exception {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            a.release("x", a.lock("x"));
            assertThat(a.call("sr", "y", a.grant("sl", "y", "0 3", "ok", 33))).isEqualTo("ok");
            Thread.sleep(50);
            String line = a.call("stats", "_", "_");
            Matcher m = assertShape(line, q("ok {\"connections\":1,\"locks\":[],\"semaphores\":[],\"idle_locks\":[{\"key\":\"x\",\"idle_s\":")
                    + F + q("}],\"idle_semaphores\":[{\"key\":\"y\",\"idle_s\":") + F + q("}]}"));
            assertThat(Double.parseDouble(m.group(1))).isBetween(0.0, 10.0);
            assertThat(Double.parseDouble(m.group(2))).isBetween(0.0, 10.0);
        }
    }

    @Test
    @DisplayName("§1.7: classification is by limit: a semaphore of limit 1 is listed under locks / idle_locks")
    void semaphoreLimitOneListedAsLock() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            a.assertAlive(); // conn 1
            String t = a.grant("sl", "one", "0 1 60", "ok", 60);
            assertShape(a.call("stats", "_", "_"), q("ok {\"connections\":1,\"locks\":[{\"key\":\"one\",\"owner_conn_id\":1,\"lease_expires_in_s\":")
                    + F + q(",\"waiters\":0}],\"semaphores\":[],\"idle_locks\":[],\"idle_semaphores\":[]}"));
            assertThat(a.call("sr", "one", t)).isEqualTo("ok");
            assertShape(a.call("stats", "_", "_"), q("ok {\"connections\":1,\"locks\":[],\"semaphores\":[],\"idle_locks\":[{\"key\":\"one\",\"idle_s\":")
                    + F + q("}],\"idle_semaphores\":[]}"));
        }
    }

    @Test
    @DisplayName("§1.6/§1.7: the same user key as lock and semaphore: both listed, prefixes stripped")
    void sameKeyInBothNamespaces() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            a.assertAlive(); // conn 1
            a.lock("k", "0 60", 60);
            a.grant("sl", "k", "0 4", "ok", 33);
            assertShape(a.call("stats", "_", "_"), q("ok {\"connections\":1,\"locks\":[{\"key\":\"k\",\"owner_conn_id\":1,\"lease_expires_in_s\":")
                    + F + q(",\"waiters\":0}],\"semaphores\":[{\"key\":\"k\",\"limit\":4,\"holders\":1,\"waiters\":0}],\"idle_locks\":[],\"idle_semaphores\":[]}"));
        }
    }

    @Test
    @DisplayName("§1.7: connections counts open TCP connections and drops after a disconnect")
    void connectionsCount() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            LineClient b = LineClient.connect(sb, "B");
            LineClient c = LineClient.connect(sb, "C");
            b.assertAlive();
            c.assertAlive();
            assertThat(a.stats().get("connections").asInt()).isEqualTo(3);
            b.close();
            c.close();
            awaitStats(a, s -> s.get("connections").asInt() == 1, "connections back to 1");
            // a later connection gets the next ID (4), not a reused one
            try (LineClient d = LineClient.connect(sb, "D")) {
                d.lock("k");
                assertThat(LineClient.entryInt(a.stats(), "locks", "k", "owner_conn_id")).isEqualTo(4);
            }
        }
    }

    @Test
    @DisplayName("§1.7: owner_conn_id counts every accepted connection, those that never sent a byte included")
    void connectionIdsCountSilentConnections() throws Exception {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            a.assertAlive(); // conn 1
            try (java.net.Socket silent = new java.net.Socket("127.0.0.1", sb.port())) { // conn 2, never writes
                awaitStats(a, st -> st.path("connections").asInt() == 2, "the silent connection is counted");
                try (LineClient c = LineClient.connect(sb, "C")) { // conn 3
                    c.grant("l", "ids", "0", "ok", 33);
                    assertShape(a.call("stats", "_", "_"), q("ok {\"connections\":3,\"locks\":[{\"key\":\"ids\",\"owner_conn_id\":3,\"lease_expires_in_s\":")
                            + F + q(",\"waiters\":0}],\"semaphores\":[],\"idle_locks\":[],\"idle_semaphores\":[]}"));
                }
            }
        }
    }

    @Test
    @DisplayName("§1.7: the longest lease dflockd accepts (9223372036 s) shows in full, without overflow")
    void longestLeaseShowsInFull() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            a.assertAlive();
            a.grant("l", "k", "0 9223372036", "ok", 9_223_372_036L);
            String stats = a.call("stats", "_", "_");
            Matcher m = java.util.regex.Pattern.compile("\"lease_expires_in_s\":([0-9.e+]+)").matcher(stats);
            assertThat(m.find()).as(stats).isTrue();
            assertThat(Double.parseDouble(m.group(1))).as(stats).isBetween(9_223_372_006d, 9_223_372_036d);
        }
    }

    @Test
    @DisplayName("§1.7: lease_expires_in_s is clamped at 0 for an expired, not-yet-swept holder")
    void leaseExpiresClampedAtZero() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard sb = start(b -> b.clock(clock).leaseSweepInterval(Duration.ofHours(1)));
             LineClient a = LineClient.connect(sb, "A")) {
            a.assertAlive();
            a.lock("k", "0 1", 1);
            clock.advance(Duration.ofMillis(1300)); // past the 1 s lease
            assertThat(a.call("stats", "_", "_")).isEqualTo(
                    "ok {\"connections\":1,\"locks\":[{\"key\":\"k\",\"owner_conn_id\":1,\"lease_expires_in_s\":0,\"waiters\":0}],"
                            + "\"semaphores\":[],\"idle_locks\":[],\"idle_semaphores\":[]}");
        }
    }

    @Test
    @DisplayName("§1.7: keys are JSON-escaped as Go's encoding/json does (\\\", \\\\, \\u0001, HTML-safe <>&, U+2028)")
    void jsonEscapingLikeGo() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            String key = "a\"b\\c\u0001<d>&e\u2028f";
            a.release(key, a.lock(key));
            assertThat(a.call("stats", "_", "_")).matches(
                    "^" + q("ok {\"connections\":1,\"locks\":[],\"semaphores\":[],\"idle_locks\":[{\"key\":\"a\\\"b\\\\c\\u0001\\u003cd\\u003e\\u0026e\\u2028f\",\"idle_s\":")
                            + F + q("}],\"idle_semaphores\":[]}") + "$");
        }
    }

    @Test
    @DisplayName("§1.7: non-ASCII keys are emitted as raw UTF-8")
    void utf8Keys() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            a.release("ключ", a.lock("ключ"));
            assertThat(a.call("stats", "_", "_")).contains("\"idle_locks\":[{\"key\":\"ключ\",\"idle_s\":");
        }
    }
}
