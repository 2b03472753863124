package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.transport.SlowConsumerPolicy;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A subscriber that stops reading must not hold up a healthy one: with either slow-consumer
 * policy the healthy subscriber gets all N messages within a bounded time, while the stalled one
 * is cut ({@code disconnect}) or loses its oldest waiting events and is told so with a {@code gap}
 * ({@code drop-oldest}).
 */
class SlowConsumerPolicyTest {
    private static final int N = 2000;
    /** 8 MB in all: more than the kernel's socket buffers can take for the stalled subscriber (tcp_wmem at most 4 MB). */
    private static final String PAYLOAD = "x".repeat(4000);
    private static final Duration BOUND = Duration.ofSeconds(120);
    private static final int WINDOW = 16;

    /**
     * The node under test, with only the slow-consumer policy to cut a subscriber. The publishing
     * phase lasts 4 s on an idle machine and 45 s or more at load 20 on two cores, and two other
     * deadlines are shorter than that: the heartbeat (neither subscriber writes after subscribing,
     * so both are cut with {@code heartbeat_timeout} after three 15 s intervals) and the write
     * timeout (5 s: the stalled subscriber's oldest unwritten bytes wait for the whole phase, so it
     * is cut, without a word, whatever the policy). The test passed only while the machine was fast
     * enough to finish within 5 s; both are off here.
     */
    private static TestServer server(SlowConsumerPolicy policy) throws IOException {
        return TestServer.start(b -> b.signalBufferSize(64).slowConsumerPolicy(policy)
                .heartbeatInterval(Duration.ZERO).writeTimeout(Duration.ZERO));
    }

    /** A client of {@link NativeClient#hello}, waiting up to {@link #BOUND} for each read (a cold, loaded JVM may take over 5 s). */
    private static NativeClient patientHello(int port) throws IOException {
        NativeClient c = NativeClient.lines(port);
        c.setTimeout((int) BOUND.toMillis());
        c.send("{\"op\":\"hello\",\"id\":0,\"version\":1}");
        assertThat(c.read().path("op").asString()).isEqualTo("welcome");
        return c;
    }

    @Test
    void disconnectCutsTheStalledSubscriberAndTheHealthyOneGetsEverything() throws Exception {
        try (TestServer server = server(SlowConsumerPolicy.DISCONNECT);
             HealthyReader healthy = new HealthyReader(server.port());
             NativeClient stalled = stalledSubscriber(server.port());
             NativeClient pub = patientHello(server.port())) {
            CompletableFuture<List<Long>> got = healthy.readMessages(N);
            publishAll(pub, healthy);
            assertThat(got.get(BOUND.toSeconds(), TimeUnit.SECONDS)).hasSize(N);

            // The stalled one: what fitted in its socket buffers, then the slow_consumer error and the end.
            List<JsonNode> rest = readUntilClosed(stalled);
            assertThat(rest).isNotEmpty();
            JsonNode last = rest.get(rest.size() - 1);
            assertThat(last.at("/error/code").asString()).isEqualTo("slow_consumer");
            assertThat(rest.size() - 1).isLessThan(N);
            assertThat(server.view().metric("switchboard_limit_hits_total{limit=\"signal_buffer_size\"}")).isPositive();
        }
    }

    @Test
    void dropOldestKeepsTheStalledSubscriberAndTellsItExactlyWhatWasDropped() throws Exception {
        try (TestServer server = server(SlowConsumerPolicy.DROP_OLDEST);
             HealthyReader healthy = new HealthyReader(server.port());
             NativeClient stalled = stalledSubscriber(server.port());
             NativeClient pub = patientHello(server.port())) {
            CompletableFuture<List<Long>> got = healthy.readMessages(N);
            publishAll(pub, healthy);
            List<Long> healthySeqs = got.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(healthySeqs).hasSize(N);
            assertThat(server.view().metric("switchboard_slow_consumer_dropped_events_total")).isPositive();

            // Now it reads: messages and gaps that together account for 1..N once each, in order.
            long expected = 1;
            int gaps = 0;
            while (expected <= N) {
                JsonNode m = stalled.read();
                if ("gap".equals(m.path("op").asString())) {
                    assertThat(m.path("from_seq").asLong()).isEqualTo(expected);
                    assertThat(m.path("to_seq").asLong()).isGreaterThanOrEqualTo(expected);
                    assertThat(m.path("seq").asLong()).isEqualTo(m.path("to_seq").asLong());
                    expected = m.path("to_seq").asLong() + 1;
                    gaps++;
                } else {
                    assertThat(m.path("op").asString()).isEqualTo("message");
                    assertThat(m.path("seq").asLong()).isEqualTo(expected);
                    expected++;
                }
            }
            assertThat(gaps).isPositive();
            // Still connected and served.
            stalled.send("{\"op\":\"ping\",\"id\":99}");
            assertThat(stalled.readReply(99).path("op").asString()).isEqualTo("pong");
        }
    }

    private static NativeClient stalledSubscriber(int port) throws IOException {
        NativeClient c = NativeClient.withSmallReceiveBuffer(port, 4096);
        c.setTimeout((int) BOUND.toMillis());
        c.send("{\"op\":\"hello\",\"id\":0,\"version\":1}");
        assertThat(c.read().path("op").asString()).isEqualTo("welcome");
        subscribe(c);
        return c; // and it reads nothing more until the test says so
    }

    private static void subscribe(NativeClient c) throws IOException {
        JsonNode ok = c.request("{\"op\":\"topic.subscribe\",\"id\":1,\"pattern\":\"feed\"}", 1);
        assertThat(ok.at("/result/recovered").asBoolean()).isTrue();
    }

    /**
     * Publishes N messages, never more than {@link #WINDOW} ahead of the healthy subscriber: the
     * healthy one keeps up by definition, however busy the machine (its reader thread may be
     * descheduled for a while); the stalled one falls behind without bound.
     */
    private static void publishAll(NativeClient pub, HealthyReader healthy) throws Exception {
        long deadline = System.nanoTime() + BOUND.toNanos();
        for (int i = 1; i <= N && System.nanoTime() < deadline; i++) {
            while (i - healthy.received() > WINDOW && System.nanoTime() < deadline) Thread.sleep(1);
            JsonNode r = pub.request("{\"op\":\"topic.publish\",\"id\":" + i + ",\"topic\":\"feed\",\"payload\":\"" + PAYLOAD + "\"}", i);
            assertThat(r.has("result")).as("%s", r).isTrue();
        }
        assertThat(healthy.received()).as("published everything within %s", BOUND).isGreaterThanOrEqualTo(N - WINDOW);
    }

    /** A subscriber that reads as fast as it can, through a buffer (the healthy one). */
    private static final class HealthyReader implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();

        HealthyReader(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) BOUND.toMillis());
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
            OutputStream out = socket.getOutputStream();
            out.write(("{\"op\":\"hello\",\"id\":0,\"version\":1}\n"
                    + "{\"op\":\"topic.subscribe\",\"id\":1,\"pattern\":\"feed\"}\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(next().path("op").asString()).isEqualTo("welcome");
            assertThat(next().at("/result/recovered").asBoolean()).isTrue();
        }

        private JsonNode next() throws IOException {
            String line = in.readLine();
            if (line == null) throw new EOFException("the server closed the healthy subscriber");
            return NativeClient.JSON.readTree(line);
        }

        /** Reads {@code n} message events on a thread of its own; their sequence numbers. */
        CompletableFuture<List<Long>> readMessages(int n) {
            return CompletableFuture.supplyAsync(() -> {
                List<Long> seqs = new ArrayList<>();
                try {
                    while (seqs.size() < n) {
                        JsonNode m = next();
                        if ("message".equals(m.path("op").asString())) {
                            seqs.add(m.path("seq").asLong());
                            received.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return seqs;
            });
        }

        int received() {
            return received.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static List<JsonNode> readUntilClosed(NativeClient c) throws IOException {
        List<JsonNode> all = new ArrayList<>();
        try {
            for (int i = 0; i <= N + 1; i++) all.add(c.read());
        } catch (EOFException | SocketException closed) {
            return all;
        }
        throw new AssertionError("the stalled subscriber was never cut");
    }
}
