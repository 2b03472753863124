package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.protocol.Payload;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.embed.ConnectDecision;
import dev.switchboard.server.embed.ConnectInfo;
import dev.switchboard.server.embed.SessionClosed;
import dev.switchboard.server.ws.WsClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Switchboard.sessions(): named messages to a session or one connection, closing a session, counts. */
class EmbeddedSessionsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final List<ConnectInfo> connected = new CopyOnWriteArrayList<>();
    private final List<SessionClosed> closed = new CopyOnWriteArrayList<>();
    private Switchboard sb;

    @BeforeEach
    void start() {
        sb = Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1))
                .onConnect(c -> {
                    connected.add(c);
                    return ConnectDecision.accept();
                })
                .onSessionClosed(closed::add)
                .start();
    }

    @AfterEach
    void stop() {
        sb.close();
    }

    @Test
    void aNotifyReachesBothConnectionsOfASessionAndOneConnectionCanBeAddressedAlone() throws Exception {
        try (NativeClient lines = NativeClient.lines(sb.port()); WsClient ws = new WsClient(sb.port(), null)) {
            JsonNode welcome = lines.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1);
            String id = welcome.path("session").asString();
            ws.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":"
                    + NativeConn.resume(id, welcome.path("resume_key").asString(), 0) + "}");
            assertThat(ws.read().path("resumed").asBoolean()).isTrue();
            assertThat(sb.sessions().connectionCount(id)).isEqualTo(2);
            assertThat(sb.sessions().activeSessions()).isEqualTo(1);
            assertThat(sb.sessions().connectionCount("no-such-session")).isEqualTo(-1);

            assertThat(sb.sessions().send(id, "chat.message", dev.switchboard.protocol.PayloadFields.fromValue(java.util.Map.of("text", "hi")))).isTrue();
            for (JsonNode n : List.of(lines.read(), ws.read())) {
                assertThat(n.path("op").asString()).isEqualTo("notify");
                assertThat(n.path("name").asString()).isEqualTo("chat.message");
                assertThat(n.at("/payload/text").asString()).isEqualTo("hi");
                assertThat(n.path("seq").asLong()).isEqualTo(1);
            }

            await().atMost(WAIT).until(() -> connected.size() == 2);
            long wsConnection = connected.stream().filter(c -> c.transport().equals("ws")).findFirst().orElseThrow().connectionId();
            assertThat(sb.sessions().sendToConnection(wsConnection, "only.you", Payload.ofUtf8("psst"))).isTrue();
            JsonNode alone = ws.read();
            assertThat(alone.path("name").asString()).isEqualTo("only.you");
            assertThat(alone.path("payload").asString()).isEqualTo("psst");
            assertThat(alone.has("seq")).as("not kept for replay").isFalse();
            // The other connection got nothing more: its next message answers its own ping.
            assertThat(lines.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");

            // Kept for replay: a third connection resuming from 0 gets the session's notify, not the connection's.
            try (NativeClient late = NativeClient.lines(sb.port())) {
                late.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":"
                        + NativeConn.resume(id, welcome.path("resume_key").asString(), 0) + "}");
                assertThat(late.read().path("op").asString()).isEqualTo("welcome");
                JsonNode replayed = late.read();
                assertThat(replayed.path("name").asString()).isEqualTo("chat.message");
                assertThat(late.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");
            }
        }
        assertThat(sb.sessions().send("no-such-session", "x", Payload.ofUtf8("y"))).isFalse();
        assertThat(sb.sessions().sendToConnection(999_999, "x", Payload.ofUtf8("y"))).isFalse();
    }

    @Test
    void aBadNameOrAPayloadLargerThanAFrameIsRefusedAtTheCall() throws Exception {
        try (NativeClient c = NativeClient.lines(sb.port())) {
            String id = c.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1).path("session").asString();
            assertThatThrownBy(() -> sb.sessions().send(id, "a.*", Payload.ofUtf8("x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wildcards");
            assertThatThrownBy(() -> sb.sessions().send(id, "big", Payload.ofUtf8("x".repeat(2 << 20))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--max-frame-bytes");
            assertThat(c.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void closingASessionTellsEveryConnectionTheReasonThenClosesThem() throws Exception {
        try (NativeClient first = NativeClient.lines(sb.port()); WsClient second = new WsClient(sb.port(), null)) {
            JsonNode welcome = first.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1);
            String id = welcome.path("session").asString();
            second.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":"
                    + NativeConn.resume(id, welcome.path("resume_key").asString(), 0) + "}");
            second.read();
            assertThat(first.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"k\"}", 2).at("/result/status").asString())
                    .isEqualTo("acquired");

            assertThat(sb.sessions().closeSession(id, "your account was suspended")).isTrue();
            for (JsonNode last : List.of(first.read(), second.read())) {
                assertThat(last.path("op").asString()).isEqualTo("error");
                assertThat(last.at("/error/code").asString()).isEqualTo("session_closed");
                assertThat(last.at("/error/message").asString()).isEqualTo("your account was suspended");
            }
            assertThat(first.closedByServer()).isTrue();
            assertThat(sb.sessions().connectionCount(id)).isEqualTo(-1);
            assertThat(sb.sessions().activeSessions()).isZero();
            await().atMost(WAIT).until(() -> closed.size() == 1);
            assertThat(closed.get(0).reason()).isEqualTo(SessionEnd.CLOSED_BY_SERVER);
            assertThat(sb.sessions().closeSession(id, "again")).isFalse();
        }
        // Its lock went with it.
        try (NativeClient other = NativeClient.hello(sb.port())) {
            assertThat(other.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"k\",\"timeout_ms\":0}", 2)
                    .at("/result/status").asString()).isEqualTo("acquired");
        }
    }

    @Test
    void countsFollowSessionsAndTheirConnections() throws Exception {
        assertThat(sb.sessions().activeSessions()).isZero();
        try (NativeClient a = NativeClient.hello(sb.port()); NativeClient b = NativeClient.lines(sb.port())) {
            String id = b.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1).path("session").asString();
            assertThat(sb.sessions().activeSessions()).isEqualTo(2);
            assertThat(sb.sessions().connectionCount(id)).isEqualTo(1);
            b.close();
            await().atMost(WAIT).until(() -> sb.sessions().connectionCount(id) == 0);
            assertThat(sb.sessions().activeSessions()).as("a detached session waits for its resume").isEqualTo(2);
            assertThat(sb.sessions().record(id)).hasValueSatisfying(r -> assertThat(r.id()).isEqualTo(id));
            assertThat(a.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");
        }
        assertThat(sb.sessions().record("no-such-session")).isEmpty();
    }
}
