package dev.switchboard.server.dflockd;

import static dev.switchboard.server.dflockd.LineClient.awaitStats;
import static dev.switchboard.server.dflockd.LineClient.fence;
import static dev.switchboard.server.dflockd.LineClient.lockWaiters;
import static dev.switchboard.server.dflockd.LineClient.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.switchboard.server.Switchboard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dflockd compat §1.6 tokens (v2.1 fencing: {@code <16 hex fence><16 hex salt>}) and --fence-state-file. */
class FenceTest {

    private static int cmpFence(String a, String b) {
        return Long.compareUnsigned(fence(a), fence(b));
    }

    @Test
    @DisplayName("§1.6: the fence is global across keys and grows by one per grant (l, e, sl, se)")
    void fenceGlobalAndIncreasing() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A"); LineClient b = LineClient.connect(sb, "B")) {
            List<String> tokens = new ArrayList<>();
            tokens.add(a.lock("k1"));
            tokens.add(b.lock("k2"));
            tokens.add(a.grant("e", "k3", "", "acquired", 33));
            tokens.add(b.grant("sl", "s1", "0 3", "ok", 33));
            tokens.add(a.grant("se", "s2", "2", "acquired", 33));
            tokens.add(b.lock("k4"));
            for (int i = 1; i < tokens.size(); i++) {
                assertThat(fence(tokens.get(i)) - fence(tokens.get(i - 1)))
                        .as("fence step from %s to %s", tokens.get(i - 1), tokens.get(i)).isEqualTo(1L);
            }
            // w and n do not mint new tokens
            assertThat(a.call("w", "k3", "0")).isEqualTo("ok " + tokens.get(2) + " 33");
            assertThat(a.call("n", "k1", tokens.get(0))).isEqualTo("ok 33");
            assertThat(fence(a.lock("k5")) - fence(tokens.get(5))).isEqualTo(1L);
        }
    }

    @Test
    @DisplayName("§1.6: without a state file the fence is seeded from the wall clock (UnixNano) at startup")
    void fenceSeededFromClock() {
        long before = System.currentTimeMillis() * 1_000_000L;
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A")) {
            long f = fence(a.lock("k"));
            long after = (System.currentTimeMillis() + 1) * 1_000_000L;
            assertThat(Long.compareUnsigned(f, before)).as("fence %d >= start time in ns %d", f, before).isPositive();
            assertThat(Long.compareUnsigned(f, after)).as("fence %d <= now in ns %d", f, after).isNegative();
        }
    }

    @Test
    @DisplayName("§1.6: same-key tokens compare lexicographically in grant order (via waiters and re-grants)")
    void sameKeyLexicographic() {
        try (Switchboard sb = start(); LineClient a = LineClient.connect(sb, "A"); LineClient b = LineClient.connect(sb, "B");
             LineClient c = LineClient.connect(sb, "C")) {
            String t1 = a.lock("k");
            b.req("l", "k", "10");
            awaitStats(c, s -> lockWaiters(s, "k") == 1, "B queued");
            // unrelated grants in between still advance the global fence
            String other = c.lock("unrelated");
            a.release("k", t1);
            String t2 = LineClient.grantToken(b.line(), "ok", 33, "l k 10");
            b.release("k", t2);
            String t3 = c.lock("k");
            assertThat(List.of(t1, t2, t3)).isSorted();
            assertThat(t1.compareTo(other)).isNegative();
            assertThat(other.compareTo(t2)).isNegative();
            assertThat(cmpFence(t2, t1)).isPositive();
            assertThat(cmpFence(t3, t2)).isPositive();
            // salts differ
            assertThat(List.of(t1.substring(16), t2.substring(16), t3.substring(16))).doesNotHaveDuplicates();
        }
    }

    @Test
    @DisplayName("§1.6: --fence-state-file: a restarted server issues fences above everything issued before")
    void fenceStateFileRestart(@TempDir Path dir) {
        Path file = dir.resolve("fence.state");
        String t1;
        String t1b;
        try (Switchboard sb = start(b -> b.fenceStateFile(file)); LineClient a = LineClient.connect(sb, "A")) {
            t1 = a.lock("k");
            t1b = a.lock("k2");
        }
        assertThat(file).exists();
        String t2;
        try (Switchboard sb = start(b -> b.fenceStateFile(file)); LineClient a = LineClient.connect(sb, "A")) {
            t2 = a.lock("k");
        }
        assertThat(cmpFence(t2, t1)).as("fence(%s) > fence(%s)", t2, t1).isPositive();
        assertThat(cmpFence(t2, t1b)).as("fence(%s) > fence(%s)", t2, t1b).isPositive();
        assertThat(t2.compareTo(t1)).isPositive();
        // and a third start is above the second
        try (Switchboard sb = start(b -> b.fenceStateFile(file)); LineClient a = LineClient.connect(sb, "A")) {
            assertThat(cmpFence(a.lock("k"), t2)).isPositive();
        }
    }

    @Test
    @DisplayName("§1.6: --fence-state-file: the state file is created if missing, in an existing directory")
    void fenceStateFileCreated(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("new.state");
        assertThat(file).doesNotExist();
        try (Switchboard sb = start(b -> b.fenceStateFile(file)); LineClient a = LineClient.connect(sb, "A")) {
            assertThat(a.lock("k")).matches(LineClient.TOKEN);
            assertThat(file).exists();
            assertThat(Files.size(file)).isPositive();
        }
    }

    @Test
    @DisplayName("§1.6: a second server on the same fence state file while the first runs fails to start")
    void secondServerOnSameFileRefused(@TempDir Path dir) {
        Path file = dir.resolve("fence.state");
        try (Switchboard first = start(b -> b.fenceStateFile(file)); LineClient a = LineClient.connect(first, "A")) {
            String t = a.lock("k");
            Switchboard second = null;
            Throwable thrown = null;
            try {
                second = start(b -> b.fenceStateFile(file));
            } catch (Throwable e) {
                thrown = e;
            }
            if (second != null) {
                second.close();
                fail("a second server started on fence state file " + file + " while the first was running "
                        + "(expected IllegalStateException or similar)");
            }
            assertThat(thrown).as("start on a locked fence state file").isInstanceOf(RuntimeException.class);
            // the first server is unaffected
            a.release("k", t);
            assertThat(cmpFence(a.lock("k"), t)).isPositive();
        }
    }
}
