package dev.switchboard.server.dflockd;

import static dev.switchboard.server.dflockd.LineClient.repeat;
import static dev.switchboard.server.dflockd.LineClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** dflockd compat §1.1 (framing), §1.3 (parsing), §1.4 (status words / formatting), S1, S2, S11. */
class FramingAndParsingTest extends SharedServer {
    private static String key(TestInfo info) {
        return "fp-" + info.getTestMethod().orElseThrow().getName() + "-" + info.getDisplayName().hashCode();
    }

    // ---------------------------------------------------------------------------------------- S1/S2

    @Test
    @DisplayName("S1: l then r with the default lease 33")
    void s1LockAndRelease(TestInfo info) {
        String k = key(info);
        try (LineClient c1 = LineClient.connect(sb, "C1")) {
            String t = c1.grant("l", k, "10", "ok", 33);
            assertThat(c1.call("r", k, t)).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("S1: --default-lease-ttl 42 is echoed in the grant")
    void s1DefaultLease42() {
        try (Switchboard s = start(b -> b.defaultLeaseTtl(Duration.ofSeconds(42)));
             LineClient c1 = LineClient.connect(s, "C1")) {
            String t = c1.grant("l", "mykey", "10", "ok", 42);
            assertThat(c1.call("r", "mykey", t)).isEqualTo("ok");
            // renew without a lease applies (and reports) the default TTL, too
            String t2 = c1.grant("l", "mykey", "10", "ok", 42);
            assertThat(c1.call("n", "mykey", t2)).isEqualTo("ok 42");
            assertThat(c1.grant("e", "other", "", "acquired", 42)).matches(LineClient.TOKEN);
        }
    }

    @Test
    @DisplayName("S2: custom lease on l and e")
    void s2CustomLease(TestInfo info) {
        String k = key(info);
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t1 = c1.grant("l", k, "10 60", "ok", 60);
            String t2 = c2.grant("e", k + "-other", "60", "acquired", 60);
            assertThat(t2).isNotEqualTo(t1);
        }
    }

    // ---------------------------------------------------------------------------------------- framing

    @Test
    @DisplayName("§1.1: an empty arg line is a valid line (e\\nkey\\n\\n)")
    void emptyArgLine(TestInfo info) {
        try (LineClient c = LineClient.connect(sb)) {
            assertThat(c.callRaw("e\n" + key(info) + "\n\n")).matches("^acquired [0-9a-f]{32} 33$");
        }
    }

    @Test
    @DisplayName("§1.1: \\r\\n line endings are accepted and the reply still ends in a bare \\n")
    void crlfAccepted(TestInfo info) {
        String k = key(info);
        try (LineClient c = LineClient.connect(sb)) {
            String line = c.callRaw("l\r\n" + k + "\r\n10 60\r\n");
            String t = LineClient.grantToken(line, "ok", 60, "l\\r\\n" + k + "\\r\\n10 60\\r\\n");
            assertThat(c.callRaw("n\r\n" + k + "\r\n" + t + "\r\n")).isEqualTo("ok 33");
            assertThat(c.callRaw("r\r\n" + k + "\r\n" + t + "\r\n")).isEqualTo("ok");
            assertThat(c.callRaw("ping\r\n_\r\n\r\n")).isEqualTo("ok");
            assertThat(c.callRaw("stats\r\n_\r\n_\r\n")).startsWith("ok {").doesNotContain("\r");
        }
    }

    @Test
    @DisplayName("§1.1: a lone \\r is not a line terminator")
    void loneCrIsNotATerminator() {
        try (LineClient c = LineClient.connect(sb)) {
            // Three lines: "ping\r_" (one trailing \r stripped), "", "" -> unknown command -> error.
            // Were \r a terminator, this would read as ping/_/"" and answer ok.
            assertThat(c.callRaw("ping\r_\r\n\n\n")).isEqualTo("error");
            c.assertAlive();
            c.assertSilentFor(Duration.ofMillis(200));
        }
    }

    @Test
    @DisplayName("§1.1: all three lines are always read, even for ping/stats; pipelined requests are answered in order")
    void threeLinesAlwaysRead() {
        try (LineClient c = LineClient.connect(sb)) {
            assertThat(c.call("ping", "anything at all", "more stuff here")).isEqualTo("ok");
            assertThat(c.call("stats", "x y z", "a b c")).startsWith("ok {\"connections\":");
            // pipelined: four requests in a single write, four responses in order
            c.send("ping\n_\n\nboguscmd\nk\na\nping\n_\n\nl\n\n10\n");
            assertThat(c.lines(4)).containsExactly("ok", "error", "ok", "error");
            c.assertSilentFor(Duration.ofMillis(200));
        }
    }

    @Test
    @DisplayName("§1.1: a request split over many writes is assembled")
    void requestSplitAcrossWrites(TestInfo info) throws Exception {
        String k = key(info);
        try (LineClient c = LineClient.connect(sb)) {
            for (String part : new String[] {"l", "\n", k.substring(0, 3), k.substring(3), "\n1", "0 7", "\n"}) {
                c.send(part);
                Thread.sleep(20);
            }
            LineClient.grantToken(c.line(), "ok", 7, "l\\n" + k + "\\n10 7\\n");
        }
    }

    @Test
    @DisplayName("§1.1: lines of exactly 256 bytes are accepted (cmd, key and arg lines)")
    void line256Accepted() {
        try (LineClient c = LineClient.connect(sb)) {
            String key256 = repeat('k', 256);
            String t = c.grant("l", key256, "0", "ok", 33);
            assertThat(c.call("r", key256, t)).isEqualTo("ok");
            // arg line of 256 bytes: 256 zeros = timeout 0
            String key2 = "fp-arg256";
            String t2 = c.grant("l", key2, repeat('0', 256), "ok", 33);
            assertThat(c.call("r", key2, t2)).isEqualTo("ok");
            // cmd line of 256 bytes: unknown command, the connection stays open
            assertThat(c.call(repeat('c', 256), "k", "")).isEqualTo("error");
            c.assertAlive();
            // 255 bytes + \r = 256 bytes before \n: accepted (the \r is counted, then stripped)
            String key255 = repeat('q', 255);
            String t3 = c.grant("l", key255 + "\r", "0", "ok", 33);
            assertThat(c.call("r", key255, t3)).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("§1.1/S11: a 257-byte first line -> error then close")
    void cmdLine257Closes() {
        try (LineClient c = LineClient.connect(sb)) {
            c.send(repeat('a', 257) + "\n");
            assertThat(c.line()).isEqualTo("error");
            c.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.1: a 257-byte key line -> error then close")
    void keyLine257Closes() {
        try (LineClient c = LineClient.connect(sb)) {
            c.send("l\n" + repeat('k', 257) + "\n");
            assertThat(c.line()).isEqualTo("error");
            c.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.1: a 257-byte arg line -> error then close")
    void argLine257Closes() {
        try (LineClient c = LineClient.connect(sb)) {
            c.send("l\nfp-arg257\n" + repeat('0', 257) + "\n");
            assertThat(c.line()).isEqualTo("error");
            c.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.1: 256 bytes + \\r = 257 bytes before \\n -> error then close (the \\r counts)")
    void line256PlusCrCloses() {
        try (LineClient c = LineClient.connect(sb)) {
            c.send("l\nfp-cr\n" + repeat('0', 256) + "\r\n");
            assertThat(c.line()).isEqualTo("error");
            c.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.1: a 257-byte line is discarded up to \\n before error is written")
    void overlongLineDiscardedUpToNewline() {
        try (LineClient c = LineClient.connect(sb)) {
            c.send(repeat('a', 300));
            // no newline yet: the rest of the line is still being discarded
            c.assertSilentFor(Duration.ofMillis(300));
            c.send(repeat('a', 300) + "\n");
            assertThat(c.line()).isEqualTo("error");
            c.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.2/§1.3: with no token configured, auth with a long (4 KiB) arg -> error, stays open")
    void authWithoutTokenLongArg() {
        try (LineClient c = LineClient.connect(sb)) {
            assertThat(c.call("auth", "_", repeat('x', 4096))).isEqualTo("error");
            c.assertAlive();
        }
    }

    // ---------------------------------------------------------------------------------------- integers

    @ParameterizedTest(name = "l arg \"{0}\" accepted with lease {1}")
    @CsvSource(delimiter = '|', value = {
        "+10|33", "010|33", "0|33", "00|33", "+0|33", "-0|33", "10 +60|60", "10 060|60", "0 1|1",
        "9223372036|33", "0 9223372036|9223372036", "'  0   5  '|5", "'0\t5'|5", "' 0 \t 7 '|7"})
    void integerFormsAccepted(String arg, long lease, TestInfo info) {
        String k = key(info);
        try (LineClient c = LineClient.connect(sb)) {
            String t = c.grant("l", k, arg, "ok", lease);
            assertThat(c.call("r", k, t)).isEqualTo("ok");
        }
    }

    @ParameterizedTest(name = "l arg \"{0}\" -> error, connection stays open")
    @ValueSource(strings = {
        "0x10", "1_0", "abc", "10abc", "1.5", "1e3", "++1", "--1", "+", "-", " ", "",
        "-1", "-10", "9223372037", "99999999999999999999", "9223372036854775808",
        "10 0", "10 -5", "10 abc", "10 0x1", "10 9223372037", "0 1 2", "10 +-1"})
    void lockArgRejected(String arg, TestInfo info) {
        try (LineClient c = LineClient.connect(sb)) {
            c.assertErrorKeepsOpen("l", key(info), arg);
        }
    }

    @ParameterizedTest(name = "sl arg \"{0}\" -> error, connection stays open")
    @ValueSource(strings = {
        "0 0", "0 -1", "0 1048577", "0 2147483648", "0 x", "0 0x3", "0 3_0", "0", "", "0 3 0", "0 3 -1",
        "0 3 1 1", "-1 3", "9223372037 3", "0 3 9223372037"})
    void semAcquireArgRejected(String arg, TestInfo info) {
        try (LineClient c = LineClient.connect(sb)) {
            c.assertErrorKeepsOpen("sl", key(info), arg);
        }
    }

    @ParameterizedTest(name = "sl arg \"{0}\" accepted: limit {1}, lease {2}")
    @CsvSource(delimiter = '|', value = {"0 1048576|33", "0 +3|33", "0 03|33", "0 3 +9|9", "+0 3 010|10"})
    void semAcquireArgAccepted(String arg, long lease, TestInfo info) {
        String k = key(info);
        try (LineClient c = LineClient.connect(sb)) {
            String t = c.grant("sl", k, arg, "ok", lease);
            assertThat(c.call("sr", k, t)).isEqualTo("ok");
        }
    }

    @ParameterizedTest(name = "{0} arg \"{1}\" -> error, connection stays open")
    @CsvSource(delimiter = '|', value = {
        "e|0", "e|-1", "e|x", "e|1 2", "e|9223372037", "e|0x5",
        "se|0", "se|-2", "se|1048577", "se|''", "se|x", "se|3 0", "se|3 1 1",
        "w|''", "w|-1", "w|x", "w|1 2", "w|9223372037", "w|0x1",
        "sw|''", "sw|-1", "sw|x",
        "r|''", "r|'   '", "sr|''",
        "n|''", "n|tok 0", "n|tok -1", "n|tok x", "n|tok 1 2", "n|tok 9223372037",
        "sn|''", "sn|tok 0", "sn|tok 1 2"})
    void otherArgsRejected(String cmd, String arg, TestInfo info) {
        try (LineClient c = LineClient.connect(sb)) {
            c.assertErrorKeepsOpen(cmd, key(info), arg);
        }
    }

    // ---------------------------------------------------------------------------------------- commands & keys

    @Test
    @DisplayName("S11: unknown command -> error, stays open")
    void unknownCommand() {
        try (LineClient c = LineClient.connect(sb)) {
            c.assertErrorKeepsOpen("boguscmd", "somekey", "somearg");
            c.assertErrorKeepsOpen("", "", "");
            c.assertErrorKeepsOpen("PING", "_", "");
            c.assertErrorKeepsOpen("L", "k", "0");
        }
    }

    @ParameterizedTest(name = "{0} with an invalid key -> error, stays open")
    @ValueSource(strings = {"l", "sl", "r", "sr", "n", "sn", "e", "se", "w", "sw"})
    void invalidKeys(String cmd) {
        String arg = switch (cmd) {
            case "l", "w", "sw" -> "0";
            case "sl" -> "0 2";
            case "se" -> "2";
            case "e" -> "";
            default -> "sometoken";
        };
        try (LineClient c = LineClient.connect(sb)) {
            c.assertErrorKeepsOpen(cmd, "", arg);
            c.assertErrorKeepsOpen(cmd, "my key", arg);
            c.assertErrorKeepsOpen(cmd, "my\tkey", arg);
            c.assertErrorKeepsOpen(cmd, " ", arg);
            c.assertErrorKeepsOpen(cmd, "trailing ", arg);
        }
    }

    @Test
    @DisplayName("S11: empty key, key with a space, negative timeout -> error, connection stays open")
    void s11Errors() {
        try (LineClient c = LineClient.connect(sb)) {
            assertThat(c.callRaw("l\n\n10\n")).isEqualTo("error");
            assertThat(c.callRaw("l\nmy key\n10\n")).isEqualTo("error");
            assertThat(c.callRaw("l\nk\n-1\n")).isEqualTo("error");
            c.assertAlive();
        }
    }

    @Test
    @DisplayName("§1.1: keys are case-sensitive opaque bytes (UTF-8 accepted)")
    void keysCaseSensitiveAndOpaque() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            String t1 = c1.lock("fp-Case");
            String t2 = c2.lock("fp-case");
            String t3 = c2.lock("fp-ключ-🔒");
            assertThat(c2.call("l", "fp-Case", "0")).isEqualTo("timeout");
            assertThat(c1.call("l", "fp-ключ-🔒", "0")).isEqualTo("timeout");
            c1.release("fp-Case", t1);
            c2.release("fp-case", t2);
            c2.release("fp-ключ-🔒", t3);
        }
    }

    @Test
    @DisplayName("S11: ping -> ok")
    void ping() {
        try (LineClient c = LineClient.connect(sb)) {
            assertThat(c.callRaw("ping\n_\n\n")).isEqualTo("ok");
            assertThat(c.callRaw("ping\n\n\n")).isEqualTo("ok");
        }
    }

    // ---------------------------------------------------------------------------------------- read timeout

    @Test
    @DisplayName("§1.1: with --read-timeout 1s, an idle connection (between requests) gets error then close")
    void readTimeoutIdleBetweenRequests() {
        try (Switchboard s = start(b -> b.readTimeout(Duration.ofSeconds(1)));
             LineClient c = LineClient.connect(s)) {
            c.assertAlive();
            // now idle: the per-line deadline covers the wait for the next request's first line
            assertThat(c.line(Duration.ofSeconds(5))).isEqualTo("error");
            c.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.1: a connection the server closes (read timeout) releases its locks at once, not after the closing handshake")
    void aConnectionClosedByTheServerReleasesItsLocksAtOnce() {
        try (Switchboard s = start(b -> b.readTimeout(Duration.ofMillis(500)));
             LineClient holder = LineClient.connect(s, "H")) {
            LineClient.grantToken(holder.callRaw("l\nclosed-by-server\n5\n"), "ok", 33, "l");
            assertThat(holder.line(Duration.ofSeconds(5))).isEqualTo("error");
            // The holder keeps its end open: only the server's own close can have freed the lock.
            try (LineClient next = LineClient.connect(s, "N")) {
                String answer = next.callRaw("l\nclosed-by-server\n0\n");
                assertThat(answer).as("the key is free as soon as the server gave up on its holder").startsWith("ok ");
            }
        }
    }

    @Test
    @DisplayName("§1.1: with --read-timeout 1s, a fresh connection that never sends gets error then close")
    void readTimeoutFreshIdleConnection() {
        try (Switchboard s = start(b -> b.readTimeout(Duration.ofSeconds(1)));
             LineClient c = LineClient.connect(s)) {
            // dflockd applies the per-line deadline to the very first line as well
            assertThat(c.line(Duration.ofSeconds(5))).isEqualTo("error");
            c.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.1: with --read-timeout 1s, a half-sent request gets error then close")
    void readTimeoutMidRequest() {
        try (Switchboard s = start(b -> b.readTimeout(Duration.ofSeconds(1)));
             LineClient c = LineClient.connect(s)) {
            c.send("l\nmykey\n");
            assertThat(c.line(Duration.ofSeconds(5))).isEqualTo("error");
            c.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.1: with --read-timeout 2s, regular pings keep the connection alive")
    void readTimeoutPingKeepsAlive() {
        VirtualClock clock = new VirtualClock();
        try (Switchboard s = start(b -> b.clock(clock).readTimeout(Duration.ofSeconds(2)));
             LineClient c = LineClient.connect(s)) {
            // 3 s of virtual time, past the 2 s read timeout, with a ping every 500 ms
            for (int i = 0; i < 6; i++) {
                c.assertAlive();
                clock.advance(Duration.ofMillis(500));
            }
            c.assertAlive();
        }
    }
}
