package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The native JSON protocol over TCP: framing, handshake, errors, heartbeats and session end. */
class NativeProtocolTest {
    private Switchboard sb;

    @AfterEach
    void stop() {
        if (sb != null) sb.close();
    }

    private int start() {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(2)).start();
        return sb.port();
    }

    @Test
    void lengthPrefixedFramesCarryTheSameProtocol() throws Exception {
        int port = start();
        try (NativeClient c = NativeClient.frames(port)) {
            c.send("{\"op\":\"hello\",\"id\":\"h\",\"version\":1}");
            JsonNode welcome = c.read();
            assertThat(welcome.path("op").asString()).isEqualTo("welcome");
            assertThat(welcome.path("session").asString()).matches("[0-9a-f]{32}");
            JsonNode grant = c.request("{\"op\":\"lock.acquire\",\"id\":7,\"key\":\"framed\",\"lease_ms\":1500}", 7);
            assertThat(grant.at("/result/status").asString()).isEqualTo("acquired");
            assertThat(grant.at("/result/token").asString()).matches("[0-9a-f]{32}");
            assertThat(grant.at("/result/lease_ms").asLong()).isEqualTo(1500);
        }
    }

    @Test
    void correlationIdsAreEchoedVerbatimAndAnswersMayOvertakeABlockedRequest() throws Exception {
        int port = start();
        try (NativeClient holder = NativeClient.hello(port); NativeClient c = NativeClient.hello(port)) {
            JsonNode held = holder.request("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"busy\"}", 1);
            String token = held.at("/result/token").asString();
            c.send("{\"op\":\"lock.acquire\",\"id\":\"slow\",\"key\":\"busy\",\"timeout_ms\":10000}");
            JsonNode pong = c.request("{\"op\":\"ping\",\"id\":\"fast\"}", "fast");
            assertThat(pong.path("op").asString()).isEqualTo("pong");
            holder.request("{\"op\":\"lock.release\",\"id\":2,\"key\":\"busy\",\"token\":\"" + token + "\"}", 2);
            JsonNode grant = c.readReply("slow");
            assertThat(grant.path("id").isString()).isTrue();
            assertThat(grant.at("/result/status").asString()).isEqualTo("acquired");
        }
    }

    @Test
    void messageOverTheFrameCapIsRefusedAndTheConnectionEnds() throws Exception {
        sb = Switchboard.builder().port(0).maxFrameBytes(1024).start();
        try (NativeClient c = NativeClient.hello(sb.port())) {
            c.send("{\"op\":\"ping\",\"pad\":\"" + "x".repeat(2000) + "\"}");
            JsonNode err = c.read();
            assertThat(err.at("/error/code").asString()).isEqualTo("frame_too_large");
            assertThat(c.closedByServer()).isTrue();
        }
        try (NativeClient c = NativeClient.frames(sb.port())) {
            c.sendRaw(ByteBuffer.allocate(4).putInt(5000).array());
            JsonNode err = c.read();
            assertThat(err.at("/error/code").asString()).isEqualTo("frame_too_large");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void malformedMessagesGetBadFrameAndTheConnectionKeepsServing() throws Exception {
        int port = start();
        try (NativeClient c = NativeClient.hello(port)) {
            for (String bad : new String[] {"{not json", "[1,2]", "{\"op\":5,\"id\":1}", "{\"a\":1} trailing",
                "{\"op\":\"ping\",\"id\":4.5}", "{\"op\":\"ping\",\"id\":[1]}"}) {
                c.send(bad);
                JsonNode err = c.read();
                assertThat(err.at("/error/code").asString()).as(bad).isEqualTo("bad_frame");
            }
            c.sendRaw("\n\r\n".getBytes(StandardCharsets.US_ASCII)); // empty lines are ignored
            assertThat(c.request("{\"op\":\"ping\",\"id\":9}", 9).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void theHandshakeIsRequiredAndVersionChecked() throws Exception {
        int port = start();
        try (NativeClient c = NativeClient.lines(port)) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":2}");
            assertThat(c.read().at("/error/code").asString()).isEqualTo("unsupported_version");
            assertThat(c.closedByServer()).isTrue();
        }
        try (NativeClient c = NativeClient.lines(port)) {
            c.send("{\"op\":\"stats\",\"id\":1}");
            assertThat(c.read().at("/error/code").asString()).isEqualTo("hello_required");
            assertThat(c.closedByServer()).isTrue();
        }
        try (NativeClient c = NativeClient.hello(port)) {
            assertThat(c.request("{\"op\":\"hello\",\"id\":2,\"version\":1}", 2).at("/error/code").asString())
                    .isEqualTo("already_hello");
        }
    }

    @Test
    void authTokenIsCheckedInTheHello() throws Exception {
        sb = Switchboard.builder().port(0).authToken("s3cret").start();
        try (NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"wrong\"}");
            long start = System.nanoTime();
            assertThat(c.read().at("/error/code").asString()).isEqualTo("unauthorized");
            assertThat(c.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(90));
        }
        try (NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            assertThat(c.read().at("/error/code").asString()).isEqualTo("unauthorized");
        }
        try (NativeClient c = NativeClient.lines(sb.port())) {
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"s3cret\"}");
            assertThat(c.read().path("op").asString()).isEqualTo("welcome");
        }
        try (NativeClient c = NativeClient.lines(sb.port())) {
            // Surrounding white space is not part of a token, as for dflockd's auth line.
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\" s3cret\\n\"}");
            assertThat(c.read().path("op").asString()).isEqualTo("welcome");
        }
    }

    @Test
    void serverPingsAnIdleConnectionAndClosesASilentOne() throws Exception {
        sb = Switchboard.builder().port(0).heartbeatInterval(Duration.ofMillis(200)).start();
        try (NativeClient c = NativeClient.hello(sb.port())) {
            JsonNode ping = c.read();
            assertThat(ping.path("op").asString()).isEqualTo("ping");
            assertThat(ping.has("id")).isFalse();
            // Never answer: after three intervals of silence the server gives up.
            JsonNode last = c.read();
            while ("ping".equals(last.path("op").asString())) last = c.read();
            assertThat(last.at("/error/code").asString()).isEqualTo("heartbeat_timeout");
            assertThat(c.closedByServer()).isTrue();
        }
        try (NativeClient c = NativeClient.hello(sb.port())) {
            // A client that answers pings stays connected past the timeout.
            long until = System.nanoTime() + Duration.ofMillis(1200).toNanos();
            while (System.nanoTime() < until) {
                JsonNode m = c.read();
                if ("ping".equals(m.path("op").asString())) c.send("{\"op\":\"pong\"}");
            }
            assertThat(c.request("{\"op\":\"ping\",\"id\":1}", 1).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void withNoGracePeriodClosingTheConnectionReleasesLocksAndDropsWaiters() throws Exception {
        sb = Switchboard.builder().port(0).sessionGrace(Duration.ZERO).shutdownTimeout(Duration.ofSeconds(2)).start();
        int port = sb.port();
        NativeClient holder = NativeClient.hello(port);
        holder.request("{\"op\":\"sem.acquire\",\"id\":1,\"key\":\"pool\",\"limit\":1}", 1);
        try (NativeClient waiter = NativeClient.hello(port); NativeClient other = NativeClient.hello(port)) {
            waiter.send("{\"op\":\"sem.enqueue\",\"id\":1,\"key\":\"pool\",\"limit\":1}");
            assertThat(waiter.readReply(1).at("/result/status").asString()).isEqualTo("queued");
            waiter.close();
            holder.close();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                JsonNode stats = other.request("{\"op\":\"stats\",\"id\":5}", 5).path("result");
                assertThat(stats.path("connections").asInt()).isEqualTo(1);
                assertThat(stats.path("locks")).isEmpty();
                assertThat(stats.path("idle_locks").get(0).path("key").asString()).isEqualTo("pool");
            });
            JsonNode grant = other.request("{\"op\":\"sem.acquire\",\"id\":6,\"key\":\"pool\",\"limit\":1}", 6);
            assertThat(grant.at("/result/status").asString()).isEqualTo("acquired");
        }
    }

    @Test
    void aHeartbeatTimeoutDetachesTheSessionAtOnce() throws Exception {
        sb = Switchboard.builder().port(0).heartbeatInterval(Duration.ofMillis(200)).adminToken("hb-admin").start();
        try (NativeClient c = NativeClient.hello(sb.port())) {
            JsonNode info = c.request("{\"op\":\"session.info\",\"id\":1}", 1);
            String session = info.at("/result/session").asString();
            JsonNode last = c.read();
            while (!"error".equals(last.path("op").asString())) last = c.read();
            assertThat(last.at("/error/code").asString()).isEqualTo("heartbeat_timeout");
            // Detached as soon as the server gave up, not when the closing handshake ends (2 s).
            java.net.http.HttpResponse<String> view = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + sb.port()
                            + "/api/v1/admin/sessions/" + session)).header("X-Switchboard-Admin", "hb-admin").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(NativeClient.JSON.readTree(view.body()).path("state").asString()).isEqualTo("detached");
        }
    }

    @Test
    void aPingWhileDrainingGetsTheDrainingError() throws Exception {
        int port = start();
        try (NativeClient c = NativeClient.hello(port)) {
            sb.drain();
            JsonNode err = c.request("{\"op\":\"ping\",\"id\":4}", 4);
            assertThat(err.at("/error/code").asString()).isEqualTo("draining");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void drainingRefusesNewRequestsWithACode() throws Exception {
        int port = start();
        try (NativeClient c = NativeClient.hello(port)) {
            sb.drain();
            JsonNode err = c.request("{\"op\":\"lock.acquire\",\"id\":3,\"key\":\"k\"}", 3);
            assertThat(err.at("/error/code").asString()).isEqualTo("draining");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void argumentErrorsNameTheField() throws Exception {
        int port = start();
        try (NativeClient c = NativeClient.hello(port)) {
            JsonNode e1 = c.request("{\"op\":\"sem.acquire\",\"id\":1,\"key\":\"s\"}", 1);
            assertThat(e1.at("/error/code").asString()).isEqualTo("invalid_argument");
            assertThat(e1.at("/error/message").asString()).contains("limit");
            JsonNode e2 = c.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"k\",\"lease_ms\":0}", 2);
            assertThat(e2.at("/error/message").asString()).contains("lease_ms");
            JsonNode e3 = c.request("{\"op\":\"lock.acquire\",\"id\":3,\"key\":\"k\",\"timeout_ms\":1.5}", 3);
            assertThat(e3.at("/error/message").asString()).contains("timeout_ms");
            JsonNode e4 = c.request("{\"op\":\"lock.release\",\"id\":4,\"key\":\"k\"}", 4);
            assertThat(e4.at("/error/message").asString()).contains("token");
            JsonNode e5 = c.request("{\"op\":\"lock.acquire\",\"id\":5,\"key\":\"" + "k".repeat(257) + "\"}", 5);
            assertThat(e5.at("/error/message").asString()).contains("key");
            JsonNode e5b = c.request("{\"op\":\"lock.acquire\",\"id\":55,\"key\":5}", 55);
            assertThat(e5b.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode e6 = c.request("{\"op\":\"sem.acquire\",\"id\":6,\"key\":\"s\",\"limit\":1048577}", 6);
            assertThat(e6.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode e7 = c.request("{\"op\":\"signal.publish\",\"id\":7,\"channel\":\"a.*\",\"payload\":\"x\"}", 7);
            assertThat(e7.at("/error/message").asString()).contains("channel");
        }
    }

    @Test
    void twoPhaseWaitIsPerSessionAndASecondWaitIsRefused() throws Exception {
        int port = start();
        try (NativeClient holder = NativeClient.hello(port); NativeClient c = NativeClient.hello(port)) {
            String token = holder.request("{\"op\":\"lock.acquire\",\"id\":1,\"key\":\"tp\"}", 1).at("/result/token").asString();
            assertThat(c.request("{\"op\":\"lock.enqueue\",\"id\":1,\"key\":\"tp\"}", 1).at("/result/status").asString())
                    .isEqualTo("queued");
            c.send("{\"op\":\"lock.wait\",\"id\":2,\"key\":\"tp\",\"timeout_ms\":10000}");
            JsonNode second = c.request("{\"op\":\"lock.wait\",\"id\":3,\"key\":\"tp\",\"timeout_ms\":10000}", 3);
            assertThat(second.at("/error/code").asString()).isEqualTo("already_waiting");
            holder.request("{\"op\":\"lock.release\",\"id\":2,\"key\":\"tp\",\"token\":\"" + token + "\"}", 2);
            JsonNode grant = c.readReply(2);
            assertThat(grant.at("/result/status").asString()).isEqualTo("acquired");
            assertThat(grant.at("/result/token").asString()).isGreaterThan(token);
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTheDetectionDeadline() throws IOException {
        sb = Switchboard.builder().port(0).detectTimeout(Duration.ofMillis(300)).start();
        try (NativeClient c = NativeClient.lines(sb.port())) {
            assertThat(c.closedByServer()).isTrue();
        }
    }
}
