package dev.switchboard.server.dflockd;

import static dev.switchboard.server.dflockd.LineClient.repeat;
import static dev.switchboard.server.dflockd.LineClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** dflockd compat §1.8 signals (v1.11–v1.16 listen/unlisten/signal and sig pushes), S13. */
class SignalTest extends SharedServer {
    private static final Duration QUIET = Duration.ofMillis(250);

    @Test
    @DisplayName("S13: listen alerts.*, signal alerts.fire -> ok 1 and a sig push")
    void s13Basic() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2")) {
            assertThat(c1.callRaw("listen\nalerts.*\n\n")).isEqualTo("ok");
            assertThat(c2.callRaw("signal\nalerts.fire\nbuilding-7!\n")).isEqualTo("ok 1");
            assertThat(c1.line()).isEqualTo("sig alerts.fire building-7!");
            c1.assertSilentFor(QUIET);
            c2.assertSilentFor(Duration.ofMillis(50));
        }
    }

    @Test
    @DisplayName("S13: catch-all >, non-matching listener gets nothing; wildcard in the publish channel -> error")
    void s13CatchAll() {
        try (LineClient c1 = LineClient.connect(sb, "C1"); LineClient c2 = LineClient.connect(sb, "C2");
             LineClient c3 = LineClient.connect(sb, "C3")) {
            assertThat(c1.callRaw("listen\nalerts.*\n\n")).isEqualTo("ok");
            assertThat(c3.callRaw("listen\n>\n\n")).isEqualTo("ok");
            assertThat(c2.callRaw("signal\nany.channel.name\npayload\n")).isEqualTo("ok 1");
            assertThat(c3.line()).isEqualTo("sig any.channel.name payload");
            c1.assertSilentFor(QUIET);
            assertThat(c2.callRaw("signal\na.*\nx\n")).isEqualTo("error");
            c2.assertAlive();
            c3.assertSilentFor(Duration.ofMillis(50));
        }
    }

    @ParameterizedTest(name = "listen/unlisten \"{0}\" -> error, stays open")
    @ValueSource(strings = {"fo*", "a.>.b", "*x", "a.b*", ">.a", "a.>.>", "x>", "a.>b", "", "a b", "a\tb"})
    void invalidPatterns(String pattern) {
        try (LineClient c = LineClient.connect(sb, "C")) {
            c.assertErrorKeepsOpen("listen", pattern, "");
            c.assertErrorKeepsOpen("listen", pattern, "grp");
            c.assertErrorKeepsOpen("unlisten", pattern, "");
        }
    }

    @ParameterizedTest(name = "listen \"{0}\" -> ok")
    @ValueSource(strings = {">", "*", "a.*.c", "a.>", "*.*", "*.>", "a.b.c", "a-b_c:d/e"})
    void validPatterns(String pattern) {
        try (LineClient c = LineClient.connect(sb, "C")) {
            assertThat(c.call("listen", pattern, "")).isEqualTo("ok");
            assertThat(c.call("unlisten", pattern, "")).isEqualTo("ok");
        }
    }

    @ParameterizedTest(name = "signal to channel \"{0}\" -> error, stays open")
    @ValueSource(strings = {"*", ">", "a.*", "a.>", "*.b", "a.*.c", "", "a b"})
    void invalidSignalChannels(String channel) {
        try (LineClient c = LineClient.connect(sb, "C")) {
            c.assertErrorKeepsOpen("signal", channel, "payload");
        }
    }

    @ParameterizedTest(name = "signal payload \"{0}\" -> error, stays open")
    @ValueSource(strings = {"", " ", "   ", "\t", " \t "})
    void blankPayloadRejected(String payload) {
        try (LineClient l = LineClient.connect(sb, "L"); LineClient c = LineClient.connect(sb, "C")) {
            assertThat(l.call("listen", "blank.ch", "")).isEqualTo("ok");
            c.assertErrorKeepsOpen("signal", "blank.ch", payload);
            l.assertSilentFor(Duration.ofMillis(100));
        }
    }

    @Test
    @DisplayName("§1.8: the payload is the raw arg line (inner/outer spaces kept, trailing \\r stripped)")
    void rawPayload() {
        try (LineClient l = LineClient.connect(sb, "L"); LineClient c = LineClient.connect(sb, "C")) {
            assertThat(l.call("listen", "raw.ch", "")).isEqualTo("ok");
            assertThat(c.call("signal", "raw.ch", "hello  big\tworld")).isEqualTo("ok 1");
            assertThat(l.line()).isEqualTo("sig raw.ch hello  big\tworld");
            assertThat(c.callRaw("signal\nraw.ch\n{\"json\": [1, 2]}\r\n")).isEqualTo("ok 1");
            assertThat(l.line()).isEqualTo("sig raw.ch {\"json\": [1, 2]}");
        }
    }

    @Test
    @DisplayName("§1.8: the payload is not trimmed: leading and trailing spaces are delivered")
    void payloadNotTrimmed() {
        try (LineClient l = LineClient.connect(sb, "L"); LineClient c = LineClient.connect(sb, "C")) {
            assertThat(l.call("listen", "pad.ch", "")).isEqualTo("ok");
            assertThat(c.call("signal", "pad.ch", "  padded  ")).isEqualTo("ok 1");
            assertThat(l.line()).isEqualTo("sig pad.ch   padded  ");
        }
    }

    @Test
    @DisplayName("§1.8: * matches exactly one token, > one or more trailing tokens, > alone any channel")
    void wildcardSemantics() {
        try (LineClient star = LineClient.connect(sb, "star"); LineClient gt = LineClient.connect(sb, "gt");
             LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(star.call("listen", "ws.*", "")).isEqualTo("ok");
            assertThat(gt.call("listen", "ws.>", "")).isEqualTo("ok");
            assertThat(pub.call("signal", "ws", "p0")).isEqualTo("ok 0");
            assertThat(pub.call("signal", "ws.a", "p1")).isEqualTo("ok 2");
            assertThat(pub.call("signal", "ws.a.b", "p2")).isEqualTo("ok 1");
            assertThat(pub.call("signal", "wsx.a", "p3")).isEqualTo("ok 0");
            assertThat(pub.call("signal", "other.ws.a", "p4")).isEqualTo("ok 0");
            assertThat(star.line()).isEqualTo("sig ws.a p1");
            assertThat(gt.lines(2)).containsExactly("sig ws.a p1", "sig ws.a.b p2");
            star.assertSilentFor(QUIET);
            gt.assertSilentFor(Duration.ofMillis(50));
            assertThat(star.call("listen", "*.mid.*", "")).isEqualTo("ok");
            assertThat(pub.call("signal", "x.mid.y", "p5")).isEqualTo("ok 1");
            assertThat(pub.call("signal", "x.mid", "p6")).isEqualTo("ok 0");
            assertThat(star.line()).isEqualTo("sig x.mid.y p5");
        }
    }

    @Test
    @DisplayName("§1.8: ok <n> counts every delivery; no listeners -> ok 0")
    void deliveryCount() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient b = LineClient.connect(sb, "B");
             LineClient c = LineClient.connect(sb, "C"); LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(pub.call("signal", "cnt.none", "x")).isEqualTo("ok 0");
            assertThat(a.call("listen", "cnt.x", "")).isEqualTo("ok");
            assertThat(b.call("listen", "cnt.x", "")).isEqualTo("ok");
            assertThat(c.call("listen", "cnt.>", "")).isEqualTo("ok");
            assertThat(pub.call("signal", "cnt.x", "hello")).isEqualTo("ok 3");
            for (LineClient l : List.of(a, b, c)) assertThat(l.line()).isEqualTo("sig cnt.x hello");
        }
    }

    @Test
    @DisplayName("§1.8: exact and wildcard subscriptions on one connection: one copy (dedup per connection)")
    void exactWildcardDedup() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient b = LineClient.connect(sb, "B");
             LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(a.call("listen", "dd.b", "")).isEqualTo("ok");
            assertThat(a.call("listen", "dd.*", "")).isEqualTo("ok");
            assertThat(b.call("listen", "dd.*", "")).isEqualTo("ok");
            assertThat(pub.call("signal", "dd.b", "one")).isEqualTo("ok 2");
            assertThat(a.line()).isEqualTo("sig dd.b one");
            assertThat(b.line()).isEqualTo("sig dd.b one");
            a.assertSilentFor(QUIET);
            // a wildcard-only match still reaches A once
            assertThat(pub.call("signal", "dd.c", "two")).isEqualTo("ok 2");
            assertThat(a.line()).isEqualTo("sig dd.c two");
            assertThat(b.line()).isEqualTo("sig dd.c two");
        }
    }

    @Test
    @DisplayName("§1.8: listen is idempotent for the same (conn, pattern, group)")
    void listenIdempotent() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(a.call("listen", "idem.x", "")).isEqualTo("ok");
            assertThat(a.call("listen", "idem.x", "")).isEqualTo("ok");
            assertThat(a.call("listen", "idem.*", "")).isEqualTo("ok");
            assertThat(a.call("listen", "idem.*", "")).isEqualTo("ok");
            assertThat(pub.call("signal", "idem.x", "p")).isEqualTo("ok 1");
            assertThat(a.line()).isEqualTo("sig idem.x p");
            a.assertSilentFor(QUIET);
        }
    }

    @Test
    @DisplayName("§1.8: a queue group delivers each signal to one member, round-robin")
    void queueGroupRoundRobin() {
        try (LineClient m1 = LineClient.connect(sb, "M1"); LineClient m2 = LineClient.connect(sb, "M2");
             LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(m1.call("listen", "jobs.x", "workers")).isEqualTo("ok");
            assertThat(m2.call("listen", "jobs.x", "workers")).isEqualTo("ok");
            for (int i = 1; i <= 6; i++) assertThat(pub.call("signal", "jobs.x", "job" + i)).isEqualTo("ok 1");
            List<String> got1 = m1.lines(3);
            List<String> got2 = m2.lines(3);
            m1.assertSilentFor(QUIET);
            m2.assertSilentFor(Duration.ofMillis(50));
            List<String> odd = List.of("sig jobs.x job1", "sig jobs.x job3", "sig jobs.x job5");
            List<String> even = List.of("sig jobs.x job2", "sig jobs.x job4", "sig jobs.x job6");
            boolean alternating = (got1.equals(odd) && got2.equals(even)) || (got1.equals(even) && got2.equals(odd));
            assertThat(alternating).as("group members must alternate; M1 got %s, M2 got %s", got1, got2).isTrue();
        }
    }

    @Test
    @DisplayName("§1.8: groups are independent of non-grouped listeners and of each other (wildcard groups too)")
    void groupsIndependent() {
        try (LineClient m1 = LineClient.connect(sb, "M1"); LineClient m2 = LineClient.connect(sb, "M2");
             LineClient plain = LineClient.connect(sb, "plain"); LineClient other = LineClient.connect(sb, "other");
             LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(m1.call("listen", "gi.x", "g1")).isEqualTo("ok");
            assertThat(m2.call("listen", "gi.x", "g1")).isEqualTo("ok");
            assertThat(plain.call("listen", "gi.x", "")).isEqualTo("ok");
            assertThat(other.call("listen", "gi.*", "g2")).isEqualTo("ok");
            assertThat(pub.call("signal", "gi.x", "a")).isEqualTo("ok 3");
            assertThat(pub.call("signal", "gi.x", "b")).isEqualTo("ok 3");
            assertThat(plain.lines(2)).containsExactly("sig gi.x a", "sig gi.x b");
            assertThat(other.lines(2)).containsExactly("sig gi.x a", "sig gi.x b");
            String first = m1.line();
            String second = m2.line();
            assertThat(List.of(first, second)).containsExactlyInAnyOrder("sig gi.x a", "sig gi.x b");
            m1.assertSilentFor(QUIET);
            m2.assertSilentFor(Duration.ofMillis(50));
        }
    }

    @Test
    @DisplayName("§1.8: one connection in a group and non-grouped on the same pattern receives two copies")
    void groupAndPlainOnOneConnection() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(a.call("listen", "gp.x", "")).isEqualTo("ok");
            assertThat(a.call("listen", "gp.x", "g")).isEqualTo("ok");
            assertThat(pub.call("signal", "gp.x", "dup")).isEqualTo("ok 2");
            assertThat(a.lines(2)).containsExactly("sig gp.x dup", "sig gp.x dup");
        }
    }

    @Test
    @DisplayName("§1.5: unlisten stops delivery; pattern+group must match; unlisten of nothing -> ok")
    void unlisten() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(a.call("unlisten", "ul.never", "")).isEqualTo("ok");
            assertThat(a.call("listen", "ul.x", "")).isEqualTo("ok");
            assertThat(a.call("listen", "ul.g", "grp")).isEqualTo("ok");
            assertThat(a.call("unlisten", "ul.x", "")).isEqualTo("ok");
            assertThat(pub.call("signal", "ul.x", "p")).isEqualTo("ok 0");
            // group mismatch: still subscribed
            assertThat(a.call("unlisten", "ul.g", "")).isEqualTo("ok");
            assertThat(a.call("unlisten", "ul.g", "other")).isEqualTo("ok");
            assertThat(pub.call("signal", "ul.g", "q")).isEqualTo("ok 1");
            assertThat(a.line()).isEqualTo("sig ul.g q");
            assertThat(a.call("unlisten", "ul.g", "grp")).isEqualTo("ok");
            assertThat(pub.call("signal", "ul.g", "r")).isEqualTo("ok 0");
            a.assertSilentFor(QUIET);
        }
    }

    @Test
    @DisplayName("§1.8: a publisher subscribed to its own channel gets both the response and the push")
    void publisherReceivesOwnSignal() {
        try (LineClient a = LineClient.connect(sb, "A")) {
            assertThat(a.call("listen", "self.ch", "")).isEqualTo("ok");
            a.req("signal", "self.ch", "me");
            assertThat(a.lines(2)).containsExactlyInAnyOrder("ok 1", "sig self.ch me");
            a.assertAlive();
        }
    }

    @Test
    @DisplayName("§1.5: pushes arrive between responses; a listener can keep issuing lock commands")
    void pushesInterleaveWithResponses() {
        try (LineClient a = LineClient.connect(sb, "A"); LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(a.call("listen", "mix.ch", "")).isEqualTo("ok");
            assertThat(pub.call("signal", "mix.ch", "one")).isEqualTo("ok 1");
            a.req("l", "mix-lock", "0");
            List<String> lines = a.lines(2);
            assertThat(lines).contains("sig mix.ch one");
            String grant = lines.get(0).startsWith("sig ") ? lines.get(1) : lines.get(0);
            assertThat(grant).matches("^ok [0-9a-f]{32} 33$");
        }
    }

    @Test
    @DisplayName("§1.8: --max-subscriptions caps subscriptions per connection")
    void maxSubscriptions() {
        try (Switchboard s = start(b -> b.maxSubscriptions(2));
             LineClient a = LineClient.connect(s, "A"); LineClient b = LineClient.connect(s, "B")) {
            assertThat(a.call("listen", "ms.a", "")).isEqualTo("ok");
            assertThat(a.call("listen", "ms.b", "g")).isEqualTo("ok");
            assertThat(a.call("listen", "ms.c", "")).isEqualTo("error");
            a.assertAlive();
            // per connection: B is unaffected
            assertThat(b.call("listen", "ms.c", "")).isEqualTo("ok");
            assertThat(a.call("unlisten", "ms.a", "")).isEqualTo("ok");
            assertThat(a.call("listen", "ms.c", "")).isEqualTo("ok");
            // B publishes to a channel it listens on itself: response and push in either order
            b.req("signal", "ms.c", "x");
            assertThat(b.lines(2)).containsExactlyInAnyOrder("ok 2", "sig ms.c x");
            assertThat(a.line()).isEqualTo("sig ms.c x");
        }
    }

    @Test
    @DisplayName("§1.2: subscriptions are dropped when the connection closes")
    void subscriptionsDroppedOnDisconnect() {
        try (LineClient pub = LineClient.connect(sb, "pub")) {
            LineClient a = LineClient.connect(sb, "A");
            assertThat(a.call("listen", "gone.ch", "")).isEqualTo("ok");
            assertThat(a.call("listen", "gone.*", "g")).isEqualTo("ok");
            assertThat(pub.call("signal", "gone.ch", "before")).isEqualTo("ok 2");
            a.close();
            Awaitility.await("subscriptions of the closed connection dropped")
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> pub.call("signal", "gone.ch", "after").equals("ok 0"));
        }
    }

    @Test
    @DisplayName("§1.8: payload up to 65536 - len(\"sig \") - len(channel) - 1 bytes; one more -> error")
    void payloadMaxSize() {
        String ch = "big.ch";
        int max = 65536 - 4 - ch.length() - 1;
        try (LineClient l = LineClient.connect(sb, "L"); LineClient pub = LineClient.connect(sb, "pub")) {
            assertThat(l.call("listen", ch, "")).isEqualTo("ok");
            String payload = repeat('p', max);
            assertThat(pub.call("signal", ch, payload)).isEqualTo("ok 1");
            assertThat(l.line()).isEqualTo("sig " + ch + " " + payload);
            pub.assertErrorKeepsOpen("signal", ch, repeat('p', max + 1));
            l.assertSilentFor(Duration.ofMillis(100));
        }
    }

    @Test
    @DisplayName("§1.1: a queue group fills at most a 256-byte line; a 257-byte group line -> error then close")
    void groupNameBoundByTheLineCap() {
        String group = repeat('g', 256);
        try (LineClient l = LineClient.connect(sb, "L")) {
            assertThat(l.call("listen", "grp.cap", group)).isEqualTo("ok");
            assertThat(l.statsJson()).contains("\"group\":\"" + group + "\"");
            assertThat(l.call("unlisten", "grp.cap", group)).isEqualTo("ok");
            l.send("listen\ngrp.cap\n" + repeat('g', 257) + "\n");
            assertThat(l.line()).isEqualTo("error");
            l.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.8: a subscriber that never reads is evicted (closed) while others keep receiving")
    void slowSubscriberEvicted() {
        try (Switchboard s = start(b -> b.signalBufferSize(4).writeTimeout(Duration.ofSeconds(30)));
             LineClient slow = new LineClient(s.port(), "slow", 4096);
             LineClient fast = LineClient.connect(s, "fast");
             LineClient pub = LineClient.connect(s, "pub")) {
            assertThat(slow.call("listen", "flood", "")).isEqualTo("ok");
            assertThat(fast.call("listen", "flood", "")).isEqualTo("ok");
            // Large signals fill the socket buffers between the server and the slow reader in a few
            // hundred signals, so that even a machine running many times slower gets there well
            // inside the deadline (with 200-byte signals it took about fourteen thousand).
            String payload = repeat('x', 8_000);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int sent = 0;
            String last = "ok 2";
            while (sent < 50_000 && System.nanoTime() < deadline) {
                last = pub.call("signal", "flood", payload);
                sent++;
                assertThat(fast.line()).as("fast listener, signal #%d", sent).isEqualTo("sig flood " + payload);
                if (!last.equals("ok 2")) break;
            }
            assertThat(last).as("after %d signals the slow listener must have been evicted", sent).isEqualTo("ok 1");
            assertThat(slow.drainUntilClosed(Duration.ofSeconds(10))).as("slow listener connection closed").isTrue();
            // the others are unaffected; the evicted connection's subscriptions are gone (cleanup on
            // close may trail the close itself by a moment, as in subscriptionsDroppedOnDisconnect)
            int[] probe = {0};
            Awaitility.await("evicted listener's subscription dropped")
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        String payloadN = "after" + (++probe[0]);
                        String r = pub.call("signal", "flood", payloadN);
                        assertThat(fast.line()).isEqualTo("sig flood " + payloadN);
                        return r.equals("ok 1");
                    });
            fast.assertAlive();
        }
    }

    @Test
    @DisplayName("§1.1: a signal arg line over 64 KiB (65537 bytes) -> error then close (line too long)")
    void signalArgLineTooLong() {
        try (LineClient pub = LineClient.connect(sb, "pub")) {
            pub.send("signal\nbig.ch2\n" + repeat('p', 65537) + "\n");
            assertThat(pub.line()).isEqualTo("error");
            pub.assertClosedByServer();
        }
    }

    @Test
    @DisplayName("§1.7: stats lists signal channels (v1.11-1.16) after the four arrays, if at all; group omitted when empty")
    void statsSignalChannels() {
        try (Switchboard s = start(); LineClient a = LineClient.connect(s, "A"); LineClient b = LineClient.connect(s, "B")) {
            assertThat(a.call("listen", "a.>", "g")).isEqualTo("ok");
            assertThat(b.call("listen", "a.>", "g")).isEqualTo("ok");
            assertThat(b.call("listen", "plain", "")).isEqualTo("ok");
            String line = a.call("stats", "_", "_");
            String prefix = "ok {\"connections\":2,\"locks\":[],\"semaphores\":[],\"idle_locks\":[],\"idle_semaphores\":[]";
            assertThat(line).startsWith(prefix);
            String rest = line.substring(prefix.length());
            if (!rest.equals("}")) {
                // Go's encoding/json writes '>' as \u003e.
                assertThat(rest).as("signal_channels entries (order free)").isIn(
                        ",\"signal_channels\":[{\"pattern\":\"a.\\u003e\",\"group\":\"g\",\"listeners\":2},{\"pattern\":\"plain\",\"listeners\":1}]}",
                        ",\"signal_channels\":[{\"pattern\":\"plain\",\"listeners\":1},{\"pattern\":\"a.\\u003e\",\"group\":\"g\",\"listeners\":2}]}");
            }
        }
    }
}
