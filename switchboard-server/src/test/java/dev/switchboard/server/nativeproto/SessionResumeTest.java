package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Native sessions outlive their connections: a client that reconnects with its resume key gets
 * every event it missed, once and in order — or is told plainly what it lost — on TCP and on
 * WebSocket alike.
 */
class SessionResumeTest {
    private Switchboard sb;
    /** The clock of the next server started, when a test wants to move its time by hand; null = real time. */
    private VirtualClock clock;
    /** Every server of this class also listens on a Unix socket, the fourth native transport. */
    static final java.nio.file.Path SOCKET_DIR = createSocketDir();
    private static final java.util.concurrent.atomic.AtomicInteger SOCKETS = new java.util.concurrent.atomic.AtomicInteger();
    private static java.nio.file.Path socket;

    private static java.nio.file.Path createSocketDir() {
        try {
            java.nio.file.Path d = java.nio.file.Files.createTempDirectory("sb-uds");
            d.toFile().deleteOnExit();
            return d;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static dev.switchboard.server.SwitchboardConfig.Builder withSocket(dev.switchboard.server.SwitchboardConfig.Builder b) {
        socket = SOCKET_DIR.resolve("s" + SOCKETS.incrementAndGet() + ".sock");
        return b.unixSocket(socket);
    }

    @AfterEach
    void stop() {
        if (sb != null) sb.close();
    }

    private int start(Duration grace, int replay, int maxConnections) {
        sb = withSocket(Switchboard.builder().port(0).sessionGrace(grace).replayBufferMessages(replay)
                .maxConnectionsPerSession(maxConnections).shutdownTimeout(Duration.ofSeconds(1))
                .adminToken(ServerView.ADMIN_TOKEN).clock(clock)).start();
        return sb.port();
    }

    /** A native connection to the server under test over {@code transport} (see {@link NativeConn#TRANSPORTS}). */
    static NativeConn open(String transport, int port) throws Exception {
        return NativeConn.open(transport, port, socket);
    }

    private static JsonNode hello(NativeConn c, String resume) throws Exception {
        return c.hello(resume);
    }

    private static String resume(JsonNode welcome, long lastSeq) {
        return NativeConn.resume(welcome.path("session").asString(), welcome.path("resume_key").asString(), lastSeq);
    }

    private String signal(String channel, String payload) throws Exception {
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("signal\n" + channel + "\n" + payload + "\n").getBytes(StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void resumeReplaysEveryMissedEventOnceInOrder(String transport) throws Exception {
        int port = start(Duration.ofSeconds(30), 100, 8);
        JsonNode welcome;
        try (NativeConn c = open(transport, port)) {
            welcome = hello(c, null);
            assertThat(welcome.path("resume_key").asString()).matches("[A-Za-z0-9_-]{43}");
            assertThat(c.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"feed.>\"}", 2).path("op").asString()).isEqualTo("reply");
            assertThat(signal("feed.a", "m1")).isEqualTo("ok 1");
            assertThat(c.read().path("payload").asString()).isEqualTo("m1");
        }
        // Published while nobody is connected: the detached session keeps them.
        for (int i = 2; i <= 5; i++) assertThat(signal("feed.a", "m" + i)).isEqualTo("ok 1");
        try (NativeConn c = open(transport, port)) {
            JsonNode resumed = hello(c, resume(welcome, 1));
            assertThat(resumed.path("session").asString()).isEqualTo(welcome.path("session").asString());
            assertThat(resumed.path("resumed").asBoolean()).isTrue();
            assertThat(resumed.path("recovered").asBoolean()).isTrue();
            assertThat(resumed.has("resume_key")).isFalse();
            List<String> payloads = new ArrayList<>();
            List<Long> seqs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                JsonNode e = c.read();
                payloads.add(e.path("payload").asString());
                seqs.add(e.path("seq").asLong());
            }
            assertThat(payloads).containsExactly("m2", "m3", "m4", "m5");
            assertThat(seqs).containsExactly(2L, 3L, 4L, 5L);
            // Live again: the next event follows the replayed ones, and nothing is sent twice.
            assertThat(signal("feed.a", "m6")).isEqualTo("ok 1");
            JsonNode live = c.read();
            assertThat(live.path("payload").asString()).isEqualTo("m6");
            assertThat(live.path("seq").asLong()).isEqualTo(6);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void locksAreKeptWhileDetachedAndReleasedAfterTheGrace(String transport) throws Exception {
        clock = new VirtualClock();
        int port = start(Duration.ofMillis(800), 100, 8);
        ServerView view = new ServerView(port);
        String holder;
        try (NativeConn c = open(transport, port)) {
            holder = hello(c, null).path("session").asString();
            assertThat(c.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"kept\"}", 2).at("/result/status").asString())
                    .isEqualTo("acquired");
        }
        await("the holder is detached").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> view.session(holder).path("connections").asInt() == 0);
        try (NativeConn other = open(transport, port)) {
            hello(other, null);
            assertThat(other.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"kept\",\"timeout_ms\":0}", 2)
                    .at("/result/status").asString()).isEqualTo("timeout");
            other.send("{\"op\":\"lock.acquire\",\"id\":3,\"key\":\"kept\",\"timeout_ms\":5000}");
            view.awaitWaiters("kept", 1);
            clock.advance(Duration.ofMillis(799));
            assertThat(view.hasSession(holder)).as("the session and its lock outlive its connection for the grace").isTrue();
            clock.advance(Duration.ofMillis(1)); // the grace is over: the session ends and its lock goes to the waiter
            JsonNode later = other.reply(3);
            assertThat(later.at("/result/status").asString()).isEqualTo("acquired");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void resumeAfterTheGraceGivesANewSessionAndSaysWhy(String transport) throws Exception {
        clock = new VirtualClock();
        int port = start(Duration.ofMillis(300), 100, 8);
        ServerView view = new ServerView(port);
        JsonNode first;
        try (NativeConn c = open(transport, port)) {
            first = hello(c, null);
        }
        String id = first.path("session").asString();
        await("the session is detached").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> view.session(id).path("connections").asInt() == 0);
        clock.advance(Duration.ofMillis(900)); // three times the grace period
        await("the session ended with its grace").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> !view.hasSession(id));
        try (NativeConn c = open(transport, port)) {
            JsonNode welcome = hello(c, resume(first, 0));
            assertThat(welcome.path("session").asString()).isNotEqualTo(first.path("session").asString());
            assertThat(welcome.path("resumed").asBoolean()).isFalse();
            assertThat(welcome.at("/resume_error/code").asString()).isEqualTo("session_not_found");
            assertThat(welcome.path("resume_key").asString()).isNotEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void aWrongKeyIsRefusedLikeAnUnknownSession(String transport) throws Exception {
        int port = start(Duration.ofSeconds(30), 100, 8);
        try (NativeConn c = open(transport, port); NativeConn thief = open(transport, port)) {
            JsonNode first = hello(c, null);
            JsonNode welcome = hello(thief, "{\"session\":\"" + first.path("session").asString()
                    + "\",\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"last_seq\":0}");
            assertThat(welcome.path("session").asString()).isNotEqualTo(first.path("session").asString());
            assertThat(welcome.at("/resume_error/code").asString()).isEqualTo("session_not_found");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void aGapLargerThanTheBufferIsReportedAsNotRecovered(String transport) throws Exception {
        int port = start(Duration.ofSeconds(30), 3, 8);
        JsonNode welcome;
        try (NativeConn c = open(transport, port)) {
            welcome = hello(c, null);
            c.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"gap.*\"}", 2);
        }
        for (int i = 1; i <= 6; i++) assertThat(signal("gap.x", "g" + i)).isEqualTo("ok 1");
        try (NativeConn c = open(transport, port)) {
            JsonNode resumed = hello(c, resume(welcome, 0));
            assertThat(resumed.path("resumed").asBoolean()).isTrue();
            assertThat(resumed.path("recovered").asBoolean()).isFalse();
            assertThat(resumed.path("first_available").asLong()).isEqualTo(4);
            List<String> payloads = new ArrayList<>();
            for (int i = 0; i < 3; i++) payloads.add(c.read().path("payload").asString());
            assertThat(payloads).containsExactly("g4", "g5", "g6");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void everyAttachedConnectionReceivesEachEvent(String transport) throws Exception {
        int port = start(Duration.ofSeconds(30), 100, 8);
        try (NativeConn a = open(transport, port); NativeConn b = open(transport, port)) {
            JsonNode welcome = hello(a, null);
            a.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"both\"}", 2);
            JsonNode second = hello(b, resume(welcome, 0));
            assertThat(second.path("recovered").asBoolean()).isTrue();
            assertThat(signal("both", "hi")).isEqualTo("ok 1");
            assertThat(a.read().path("payload").asString()).isEqualTo("hi");
            assertThat(b.read().path("payload").asString()).isEqualTo("hi");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void connectionsPerSessionAreCappedExactlyUnderConcurrentResumes(String transport) throws Exception {
        int port = start(Duration.ofSeconds(30), 100, 3);
        try (NativeConn first = open(transport, port)) {
            JsonNode welcome = hello(first, null);
            List<String> outcomes = concurrentHellos(transport, port, 8,
                    "{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":" + resume(welcome, 0) + "}");
            assertThat(outcomes.stream().filter("welcome"::equals).count()).isEqualTo(2);
            assertThat(outcomes.stream().filter("max_connections_per_session"::equals).count()).isEqualTo(6);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void sessionCloseEndsTheSessionAtOnce(String transport) throws Exception {
        int port = start(Duration.ofSeconds(30), 100, 8);
        JsonNode welcome;
        try (NativeConn c = open(transport, port)) {
            welcome = hello(c, null);
            c.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"closed\"}", 2);
            assertThat(c.request("{\"op\":\"session.close\",\"id\":3}", 3).path("op").asString()).isEqualTo("reply");
        }
        try (NativeConn c = open(transport, port)) {
            JsonNode again = hello(c, resume(welcome, 0));
            assertThat(again.at("/resume_error/code").asString()).isEqualTo("session_not_found");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    c.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"closed\"}", 2).at("/result/status").asString())
                    .isEqualTo("acquired"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void sessionCapsHoldExactlyUnderConcurrentHellos(String transport) throws Exception {
        sb = withSocket(Switchboard.builder().port(0).maxSessions(3).shutdownTimeout(Duration.ofSeconds(1))).start();
        List<String> outcomes = concurrentHellos(transport, sb.port(), 10, "{\"op\":\"hello\",\"id\":1,\"version\":1}");
        assertThat(outcomes.stream().filter("welcome"::equals).count()).isEqualTo(3);
        assertThat(outcomes.stream().filter("max_sessions"::equals).count()).isEqualTo(7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void anExpiredLeaseIsReportedAsLockLost(String transport) throws Exception {
        clock = new VirtualClock();
        int port = start(Duration.ofSeconds(30), 100, 8);
        try (NativeConn c = open(transport, port)) {
            hello(c, null);
            JsonNode grant = c.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"short\",\"lease_ms\":200}", 2);
            String token = grant.at("/result/token").asString();
            clock.advance(Duration.ofSeconds(1)); // the lease sweep runs every second
            JsonNode lost = c.read();
            assertThat(lost.path("op").asString()).isEqualTo("lock.lost");
            assertThat(lost.path("kind").asString()).isEqualTo("lock");
            assertThat(lost.path("key").asString()).isEqualTo("short");
            assertThat(lost.path("token").asString()).isEqualTo(token);
            assertThat(lost.path("reason").asString()).isEqualTo("lease_expired");
            assertThat(lost.path("seq").asLong()).isPositive();
        }
    }

    /**
     * Opens {@code attempts} connections, sends {@code hello} on all of them at once, and returns
     * what each got: "welcome" or the error code.
     */
    private static List<String> concurrentHellos(String transport, int port, int attempts, String hello) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(attempts);
        CountDownLatch go = new CountDownLatch(1);
        List<NativeConn> conns = new ArrayList<>();
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < attempts; i++) {
                NativeConn c = open(transport, port);
                conns.add(c);
                results.add(pool.submit(() -> {
                    go.await();
                    c.send(hello);
                    JsonNode m = c.read();
                    return m.path("op").asString().equals("welcome") ? "welcome" : m.at("/error/code").asString();
                }));
            }
            go.countDown();
            List<String> outcomes = new ArrayList<>();
            for (Future<String> f : results) outcomes.add(f.get(10, TimeUnit.SECONDS));
            return outcomes;
        } finally {
            pool.shutdownNow();
            for (NativeConn c : conns) c.close();
        }
    }
}
