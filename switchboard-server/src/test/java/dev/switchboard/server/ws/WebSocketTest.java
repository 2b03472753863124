package dev.switchboard.server.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The native protocol over WebSocket on the one port. */
class WebSocketTest {
    private Switchboard sb;

    @AfterEach
    void stop() {
        if (sb != null) sb.close();
    }

    private int start() {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
        return sb.port();
    }

    @Test
    void nativeProtocolRunsInTextFrames() throws Exception {
        int port = start();
        try (WsClient a = WsClient.hello(port); WsClient b = WsClient.hello(port)) {
            JsonNode grant = a.request("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"ws\",\"timeout_ms\":1000}", 1);
            assertThat(grant.at("/result/token").asString()).matches("[0-9a-f]{32}");
            assertThat(b.request("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"ws\"}", 1).at("/result/status").asString())
                    .isEqualTo("timeout");
            assertThat(b.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"news.>\"}", 2).path("op").asString())
                    .isEqualTo("reply");
            JsonNode published = a.request("{\"op\":\"signal.publish\",\"id\":3,\"channel\":\"news.eu\",\"payload\":\"hi\"}", 3);
            assertThat(published.at("/result/delivered").asInt()).isEqualTo(1);
            JsonNode event = b.read();
            assertThat(event.path("op").asString()).isEqualTo("signal");
            assertThat(event.path("channel").asString()).isEqualTo("news.eu");
            assertThat(event.path("payload").asString()).isEqualTo("hi");
            assertThat(event.path("seq").asLong()).isEqualTo(1);
        }
    }

    @Test
    void aWebSocketIsCountedAsWsOnceUpgradedNotAsTheHttpConnectionItWas() throws Exception {
        int port = start();
        try (WsClient c = WsClient.hello(port)) {
            c.send("{\"op\":\"ping\",\"id\":1}");
            assertThat(c.read().path("op").asString()).isEqualTo("pong");
            // The scrape's own connection is the only HTTP one.
            assertThat(connectionsByTransport(port)).containsEntry("ws", 1.0).containsEntry("http", 1.0);
        }
        // Each scrape's connection closes as its answer ends, and the server may count that close
        // after the next scrape has begun: wait for a scrape that sees only itself.
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(connectionsByTransport(port)).containsEntry("ws", 0.0).containsEntry("http", 1.0));
    }

    /** {@code switchboard_connections} by transport, from one scrape on a connection of its own. */
    private static java.util.Map<String, Double> connectionsByTransport(int port) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String scrape = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            java.util.Map<String, Double> counts = new java.util.TreeMap<>();
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("(?m)^switchboard_connections\\{[^}]*transport=\"([a-z-]+)\"[^}]*\\} (\\S+)$").matcher(scrape);
            while (m.find()) counts.put(m.group(1), Double.parseDouble(m.group(2)));
            assertThat(counts).as("switchboard_connections in%n%s", scrape).isNotEmpty();
            return counts;
        }
    }

    @Test
    void binaryFramesCarryJsonToo() throws Exception {
        int port = start();
        try (WsClient c = WsClient.hello(port)) {
            c.ws.sendBinary(ByteBuffer.wrap("{\"op\":\"ping\",\"id\":\"b\"}".getBytes(StandardCharsets.UTF_8)), true)
                    .get(5, TimeUnit.SECONDS);
            assertThat(c.read().path("op").asString()).isEqualTo("pong");
            c.send("not json");
            assertThat(c.read().at("/error/code").asString()).isEqualTo("bad_frame");
        }
    }

    @Test
    void serverPingsWithControlFramesThatBrowsersAnswer() throws Exception {
        VirtualClock clock = new VirtualClock();
        sb = Switchboard.builder().port(0).clock(clock).heartbeatInterval(Duration.ofMillis(200))
                .shutdownTimeout(Duration.ofSeconds(1)).start();
        try (WsClient c = WsClient.hello(sb.port())) {
            // The JDK client answers Ping frames with Pong frames, as browsers do: the connection stays.
            // 1.2 s of virtual time, twice the 600 ms without a read that ends a connection, in
            // steps of 10 ms while the client waits for the next ping (a ping every 200 ms), so
            // that each ping, and the pong answering it, comes before time has moved far on.
            Awaitility.await("ping 1").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> {
                        clock.advance(Duration.ofMillis(10));
                        return c.pings >= 1;
                    });
            for (int i = 2; i <= 6; i++) {
                int n = i;
                Awaitility.await("ping " + n).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            clock.advance(Duration.ofMillis(10));
                            return c.pings >= n;
                        });
            }
            assertThat(clock.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(1200));
            assertThat(c.closed).isNotDone();
            assertThat(c.request("{\"op\":\"ping\",\"id\":7}", 7).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void aRefusedHandshakeEndsWithACloseCodeAndReason() throws Exception {
        sb = Switchboard.builder().port(0).authToken("s3cret").shutdownTimeout(Duration.ofSeconds(1)).start();
        try (WsClient c = new WsClient(sb.port(), null)) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"nope\"}");
            assertThat(c.read().at("/error/code").asString()).isEqualTo("unauthorized");
            assertThat(c.closed.get(5, TimeUnit.SECONDS)[0]).isEqualTo(1008);
            assertThat(c.closeReason.get()).isEqualTo("unauthorized");
        }
        try (WsClient c = new WsClient(sb.port(), null)) {
            c.send("{\"op\":\"stats\",\"id\":1}");
            assertThat(c.read().at("/error/code").asString()).isEqualTo("hello_required");
            assertThat(c.closed.get(5, TimeUnit.SECONDS)[0]).isEqualTo(1002);
        }
    }

    @Test
    void framesOverTheCapCloseWith1009() throws Exception {
        sb = Switchboard.builder().port(0).maxFrameBytes(1024).shutdownTimeout(Duration.ofSeconds(1)).start();
        try (WsClient c = WsClient.hello(sb.port())) {
            c.send("{\"op\":\"ping\",\"pad\":\"" + "x".repeat(4000) + "\"}");
            assertThat(c.closed.get(5, TimeUnit.SECONDS)[0]).isEqualTo(1009);
        }
    }

    @Test
    void fragmentedMessagesAreReassembled() throws Exception {
        int port = start();
        try (RawWebSocket ws = new RawWebSocket(port, new byte[0])) {
            ws.send(RawWebSocket.text("{\"op\":\"hel", false, RawWebSocket.TEXT),
                    RawWebSocket.text("lo\",\"id\":1,", false, RawWebSocket.CONTINUATION),
                    RawWebSocket.text("\"version\":1}", true, RawWebSocket.CONTINUATION));
            assertThat(ws.readUntil(RawWebSocket.TEXT).text()).contains("\"op\":\"welcome\"");
        }
    }

    @Test
    void fragmentsAddingUpToMoreThanTheCapCloseWith1009() throws Exception {
        sb = Switchboard.builder().port(0).maxFrameBytes(1024).shutdownTimeout(Duration.ofSeconds(1)).start();
        try (RawWebSocket ws = new RawWebSocket(sb.port(), new byte[0])) {
            String part = "x".repeat(600);
            ws.send(RawWebSocket.text("{\"op\":\"ping\",\"pad\":\"" + part, false, RawWebSocket.TEXT),
                    RawWebSocket.text(part + "\"}", true, RawWebSocket.CONTINUATION));
            assertThat(ws.readUntil(RawWebSocket.CLOSE).closeCode()).isEqualTo(1009);
        }
    }

    @Test
    void framesSentRightBehindTheUpgradeAreServed() throws Exception {
        int port = start();
        byte[] hello = RawWebSocket.text("{\"op\":\"hello\",\"id\":1,\"version\":1}", true, RawWebSocket.TEXT);
        byte[] ping = RawWebSocket.text("{\"op\":\"ping\",\"id\":2}", true, RawWebSocket.TEXT);
        byte[] early = new byte[hello.length + ping.length];
        System.arraycopy(hello, 0, early, 0, hello.length);
        System.arraycopy(ping, 0, early, hello.length, ping.length);
        try (RawWebSocket ws = new RawWebSocket(port, early)) {
            assertThat(ws.readUntil(RawWebSocket.TEXT).text()).contains("\"op\":\"welcome\"");
            assertThat(ws.readUntil(RawWebSocket.TEXT).text()).contains("\"op\":\"pong\"").contains("\"id\":2");
        }
    }

    @Test
    void anInvalidCloseCodeIsAnsweredWithProtocolError() throws Exception {
        int port = start();
        for (int code : new int[] {999, 1005, 1100, 2999}) {
            try (RawWebSocket ws = new RawWebSocket(port, new byte[0])) {
                ws.send(RawWebSocket.close(code));
                assertThat(ws.readUntil(RawWebSocket.CLOSE).closeCode()).as("close code %d", code).isEqualTo(1002);
            }
        }
        try (RawWebSocket ws = new RawWebSocket(port, new byte[0])) {
            ws.send(RawWebSocket.close(4321));
            assertThat(ws.readUntil(RawWebSocket.CLOSE).closeCode()).isEqualTo(4321);
        }
    }

    @Test
    void crossOriginBrowsersNeedAnAllowedOrigin() throws Exception {
        int port = start();
        assertThatThrownBy(() -> new WsClient(port, "http://evil.example"))
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .rootCause().hasMessageContaining("403");
        try (WsClient same = new WsClient(port, "http://127.0.0.1:" + port)) {
            assertThat(same.ws.isOutputClosed()).isFalse();
        }
        // Same host and port but another scheme is another origin.
        assertThatThrownBy(() -> new WsClient(port, "https://127.0.0.1:" + port))
                .rootCause().hasMessageContaining("403");
        // A DNS-rebinding page is same-origin with the Host it sends, but that Host is not a loopback name.
        assertThatThrownBy(() -> new RawWebSocket(port, "rebind.example:" + port, "Origin: http://rebind.example:" + port + "\r\n",
                new byte[0])).hasMessageContaining("HTTP/1.1 403 ");
        try (RawWebSocket local = new RawWebSocket(port, "localhost:" + port, "Origin: http://localhost:" + port + "\r\n", new byte[0])) {
            local.send(RawWebSocket.text("{\"op\":\"hello\",\"id\":1,\"version\":1}", true, RawWebSocket.TEXT));
            assertThat(local.readUntil(RawWebSocket.TEXT).text()).contains("welcome");
        }
        sb.close();
        sb = Switchboard.builder().port(0).wsAllowedOrigins(List.of("http://app.example")).start();
        try (WsClient allowed = new WsClient(sb.port(), "http://app.example")) {
            allowed.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            assertThat(allowed.read().path("op").asString()).isEqualTo("welcome");
        }
    }

    @Test
    void sessionCloseEndsTheSessionAndReleasesItsLocks() throws Exception {
        int port = start();
        WsClient holder = WsClient.hello(port);
        holder.request("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"gone\"}", 1);
        assertThat(holder.request("{\"op\":\"session.close\",\"id\":2}", 2).path("op").asString()).isEqualTo("reply");
        assertThat(holder.closed.get(5, TimeUnit.SECONDS)[0]).isEqualTo(4002);
        try (WsClient other = WsClient.hello(port)) {
            JsonNode grant = other.request("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"gone\",\"timeout_ms\":5000}", 1);
            assertThat(grant.at("/result/status").asString()).isEqualTo("acquired");
        }
    }
}
