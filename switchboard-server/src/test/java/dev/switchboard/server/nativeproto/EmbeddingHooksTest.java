package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.embed.ConnectDecision;
import dev.switchboard.server.embed.ConnectInfo;
import dev.switchboard.server.embed.DisconnectInfo;
import dev.switchboard.server.embed.SessionClosed;
import dev.switchboard.server.embed.SessionCreated;
import dev.switchboard.server.ws.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The embedding API's hooks, driven by real clients over JSON lines and WebSocket on loopback. */
class EmbeddingHooksTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final List<Object> heard = new CopyOnWriteArrayList<>();
    private Switchboard sb;

    @AfterEach
    void stop() {
        if (sb != null) sb.close();
    }

    /** A node whose four hooks record what they are told, plus {@code more} settings. */
    private Switchboard start(UnaryOperator<SwitchboardConfig.Builder> more) {
        sb = more.apply(Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1))
                .onSessionCreated(heard::add)
                .onConnect(c -> {
                    heard.add(c);
                    return ConnectDecision.accept();
                })
                .onDisconnect(heard::add)
                .onSessionClosed(heard::add)).start();
        return sb;
    }

    private <T> T awaitOne(Class<T> type) {
        await().atMost(WAIT).until(() -> heard.stream().anyMatch(type::isInstance));
        return heard.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    @Test
    void eachHookHearsAJsonLinesClientsSessionAndConnection() throws Exception {
        start(b -> b);
        String sessionId;
        try (NativeClient c = NativeClient.lines(sb.port())) {
            JsonNode welcome = c.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1);
            sessionId = welcome.path("session").asString();

            SessionCreated created = awaitOne(SessionCreated.class);
            assertThat(created.sessionId()).isEqualTo(sessionId);
            assertThat(created.transport()).isEqualTo("json");
            assertThat(created.record().id()).isEqualTo(sessionId);
            assertThat(created.record().resumeKeyVerifier()).hasSize(64);

            ConnectInfo connect = awaitOne(ConnectInfo.class);
            assertThat(connect.sessionId()).isEqualTo(sessionId);
            assertThat(connect.transport()).isEqualTo("json");
            assertThat(connect.remoteAddress()).contains("127.0.0.1");
            assertThat(connect.connectionId()).isPositive();
            assertThat(connect.resumed()).isFalse();
            assertThat(heard.indexOf(created)).as("created is told before connect").isLessThan(heard.indexOf(connect));

            c.request("{\"op\":\"session.close\",\"id\":2}", 2);
        }
        DisconnectInfo left = awaitOne(DisconnectInfo.class);
        assertThat(left.sessionId()).isEqualTo(sessionId);
        assertThat(left.transport()).isEqualTo("json");
        assertThat(left.reason()).isEqualTo(DisconnectInfo.SESSION_CLOSED);
        SessionClosed closed = awaitOne(SessionClosed.class);
        assertThat(closed.sessionId()).isEqualTo(sessionId);
        assertThat(closed.reason()).isEqualTo(SessionEnd.CLOSED_BY_CLIENT);
    }

    @Test
    void aWebSocketClientThatResumesAndThenClosesIsHeardWithItsTransportAndReason() throws Exception {
        start(b -> b);
        JsonNode welcome;
        try (NativeClient first = NativeClient.lines(sb.port())) {
            welcome = first.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1);
        }
        await().atMost(WAIT).until(() -> heard.stream().anyMatch(DisconnectInfo.class::isInstance));
        assertThat(awaitOne(DisconnectInfo.class).reason()).isEqualTo(DisconnectInfo.CLIENT_CLOSED);
        heard.clear();
        try (WsClient ws = new WsClient(sb.port(), null)) {
            ws.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":" + NativeConn.resume(
                    welcome.path("session").asString(), welcome.path("resume_key").asString(), 0) + "}");
            assertThat(ws.read().path("resumed").asBoolean()).isTrue();
            ConnectInfo connect = awaitOne(ConnectInfo.class);
            assertThat(connect.transport()).isEqualTo("ws");
            assertThat(connect.resumed()).isTrue();
            assertThat(connect.sessionId()).isEqualTo(welcome.path("session").asString());
        }
        DisconnectInfo left = awaitOne(DisconnectInfo.class);
        assertThat(left.transport()).isEqualTo("ws");
        assertThat(left.reason()).isEqualTo(DisconnectInfo.CLIENT_CLOSED);
        assertThat(heard).noneMatch(SessionCreated.class::isInstance); // a resume creates nothing
    }

    @Test
    void aSilentClientIsHeardLeavingForItsHeartbeatAndAGraceExpiryClosesItsSession() throws Exception {
        start(b -> b.heartbeatInterval(Duration.ofMillis(50)).sessionGrace(Duration.ofMillis(100)));
        try (NativeClient c = NativeClient.lines(sb.port())) {
            c.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1);
            // It never answers the server's pings.
            assertThat(awaitOne(DisconnectInfo.class).reason()).isEqualTo(DisconnectInfo.HEARTBEAT_TIMEOUT);
        }
        assertThat(awaitOne(SessionClosed.class).reason()).isEqualTo(SessionEnd.EXPIRED);
    }

    @Test
    void aConnectionOpenWhenTheServerStopsIsHeardLeavingForTheShutdown() throws Exception {
        start(b -> b);
        try (NativeClient c = NativeClient.hello(sb.port())) {
            awaitOne(ConnectInfo.class);
            sb.close();
            assertThat(awaitOne(DisconnectInfo.class).reason()).isEqualTo(DisconnectInfo.SERVER_SHUTDOWN);
        }
    }

    @Test
    void aRefusingConnectHookSendsTheClientItsErrorThenClosesAndTheNewSessionEnds() throws Exception {
        sb = Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1))
                .onConnect(c -> c.transport().equals("ws") ? ConnectDecision.accept()
                        : ConnectDecision.refuse("not_allowed", "JSON lines clients are not welcome here"))
                .onSessionClosed(heard::add)
                .start();
        try (NativeClient c = NativeClient.lines(sb.port())) {
            JsonNode refused = c.request("{\"op\":\"hello\",\"id\":7,\"version\":1}", 7);
            assertThat(refused.path("op").asString()).isEqualTo("error");
            assertThat(refused.at("/error/code").asString()).isEqualTo("not_allowed");
            assertThat(refused.at("/error/message").asString()).isEqualTo("JSON lines clients are not welcome here");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(awaitOne(SessionClosed.class).reason()).isEqualTo(SessionEnd.CLOSED_BY_SERVER);
        assertThat(sb.sessions().activeSessions()).isZero();
        try (WsClient ws = WsClient.hello(sb.port())) {
            assertThat(ws.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void aClientThatLeavesWhileItsConnectHookDecidesLeavesNoSessionBehind() throws Exception {
        java.util.concurrent.CountDownLatch decide = new java.util.concurrent.CountDownLatch(1);
        sb = Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1))
                .onConnect(c -> {
                    heard.add(c);
                    decide.await(5, java.util.concurrent.TimeUnit.SECONDS);
                    return ConnectDecision.accept();
                })
                .onSessionClosed(heard::add)
                .start();
        try (NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            awaitOne(ConnectInfo.class);
            assertThat(sb.sessions().activeSessions()).isEqualTo(1);
        }
        // The hook is still deciding; the session nobody has the key of is gone already.
        await().atMost(WAIT).until(() -> sb.sessions().activeSessions() == 0);
        decide.countDown();
        assertThat(awaitOne(SessionClosed.class).reason()).isEqualTo(SessionEnd.CLOSED_BY_SERVER);
        try (NativeClient c = NativeClient.hello(sb.port())) {
            assertThat(c.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void hooksThatThrowAreCountedAndNeitherTheConnectionNorTheSessionSuffers() throws Exception {
        sb = Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1))
                .onSessionCreated(s -> {
                    throw new IllegalStateException("the embedder's database is down");
                })
                .onConnect(c -> {
                    throw new IllegalStateException("the embedder's database is down");
                })
                .start();
        try (NativeClient c = NativeClient.hello(sb.port())) {
            assertThat(c.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"k\"}", 2).at("/result/status").asString())
                    .isEqualTo("acquired");
            await().atMost(WAIT).until(() -> failures("connect") == 1 && failures("session_created") == 1);
            assertThat(c.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
        }
    }

    private double failures(String hook) throws Exception {
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + sb.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        String series = "switchboard_hook_failures_total{hook=\"" + hook + "\"} ";
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series)) return Double.parseDouble(line.substring(series.length()).trim());
        }
        throw new AssertionError("no series " + series);
    }
}
