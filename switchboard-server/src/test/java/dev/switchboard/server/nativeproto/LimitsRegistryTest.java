package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.acomm.AcommPeer;
import dev.switchboard.server.attack.Wire;
import dev.switchboard.server.limits.Limit;
import dev.switchboard.server.limits.Limits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Every limit of the registry, hit through the real protocols: for each, a node with that limit
 * set small, a client that goes one past it, the answer the client gets (the code and message the
 * operations guide promises), the node still serving, and {@code switchboard_limit_hits_total}
 * moving under the limit's label.
 */
class LimitsRegistryTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(WAIT).build();

    /** Goes one past the limit on a node listening on {@code port}, and checks what the client got. */
    interface Hit {
        void run(int port) throws Exception;
    }

    /** A webhook that holds every request it gets until the class is done. */
    private static final HookReceiver HANGING_WEBHOOK = new HookReceiver().hang("/hang");

    record Case(Limit limit, UnaryOperator<SwitchboardConfig.Builder> settings, Hit hit) {
        @Override
        public String toString() {
            return limit.name();
        }
    }

    private static final List<Case> CASES = List.of(
            new Case(Limits.MAX_LOCKS, b -> b.maxLocks(1), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    assertThat(c.request(acquire(1, "a"), 1).at("/result/status").asString()).isEqualTo("acquired");
                    assertError(c.request(acquire(2, "b"), 2), "max_locks", "max locks reached");
                    assertThat(c.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
                }
            }),
            new Case(Limits.WEBHOOK_MAX_IN_FLIGHT, b -> b.webhookMaxInFlight(1).rpcWebhook("wh.>", HANGING_WEBHOOK.url("/hang")), port -> {
                try (NativeClient caller = NativeClient.hello(port)) {
                    // Both calls in one write, read in order on one event loop: the second finds the first's
                    // POST under way however slow the machine (its deadline is far off next to that), and the
                    // answers may come in either order (readReply keeps the other one).
                    caller.sendRaw(("{\"op\":\"rpc.call\",\"id\":1,\"name\":\"wh.a\",\"timeout_ms\":2000}\n"
                            + "{\"op\":\"rpc.call\",\"id\":2,\"name\":\"wh.b\"}\n").getBytes(StandardCharsets.UTF_8));
                    HANGING_WEBHOOK.next("/hang"); // the first call's POST is under way
                    assertError(caller.readReply(2), "too_many_requests", "--webhook-max-in-flight");
                    assertThat(caller.readReply(1).at("/error/code").asString()).as("the call under way runs to its deadline")
                            .isEqualTo("timeout");
                }
            }),
            new Case(Limits.MAX_WAITERS, b -> b.maxWaiters(1), port -> {
                try (DflockdLines holder = new DflockdLines(port);
                     DflockdLines first = new DflockdLines(port);
                     DflockdLines second = new DflockdLines(port)) {
                    assertThat(holder.call("l\nk\n10\n")).startsWith("ok ");
                    assertThat(first.call("e\nk\n\n")).isEqualTo("queued");
                    assertThat(second.call("e\nk\n\n")).isEqualTo("error_max_waiters");
                    assertThat(second.call("l\nother\n0\n")).startsWith("ok ");
                }
            }),
            new Case(Limits.MAX_SUBSCRIPTIONS, b -> b.maxSubscriptions(1), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    assertThat(c.request(listen(1, "a"), 1).has("result")).isTrue();
                    assertError(c.request(listen(2, "b"), 2), "max_subscriptions", "max subscriptions reached");
                }
            }),
            new Case(Limits.MAX_CONNECTIONS, b -> b.maxConnections(1), LimitsRegistryTest::secondConnectionClosedUnanswered),
            new Case(Limits.MAX_CONNECTIONS_PER_IP, b -> b.maxConnectionsPerIp(1), LimitsRegistryTest::secondConnectionClosedUnanswered),
            new Case(Limits.HTTP_MAX_CONNECTIONS_PER_IP, b -> b.httpMaxConnectionsPerIp(1), port -> {
                try (Socket first = Wire.connect(port, WAIT); Socket second = Wire.connect(port, WAIT)) {
                    Wire.send(first, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    assertThat(Wire.readLine(first)).startsWith("HTTP/1.1 200");
                    Wire.send(second, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    assertThat(readToEnd(second)).as("the second HTTP connection gets no answer").isEmpty();
                }
            }),
            new Case(Limits.MAX_SESSIONS, b -> b.maxSessions(1), port -> secondHelloRefused(port, "max_sessions")),
            new Case(Limits.MAX_SESSIONS_PER_IP, b -> b.maxSessionsPerIp(1), port -> secondHelloRefused(port, "max_sessions_per_ip")),
            new Case(Limits.HTTP_MAX_SESSIONS, b -> b.httpMaxSessions(1), port -> secondHttpSessionRefused(port, "max_sessions")),
            new Case(Limits.HTTP_MAX_SESSIONS_PER_IP, b -> b.httpMaxSessionsPerIp(1),
                    port -> secondHttpSessionRefused(port, "max_sessions_per_ip")),
            new Case(Limits.MAX_CONNECTIONS_PER_SESSION, b -> b.maxConnectionsPerSession(1), port -> {
                try (NativeClient first = NativeClient.lines(port); NativeClient second = NativeClient.lines(port)) {
                    JsonNode welcome = first.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1);
                    second.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":" + NativeConn.resume(
                            welcome.path("session").asString(), welcome.path("resume_key").asString(), 0) + "}");
                    assertError(second.read(), "max_connections_per_session", "1 connections already");
                    assertThat(first.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");
                }
            }),
            // A session's own cap (the per-connection one is RequestLimitsTest's): an HTTP session
            // gets each request on a connection of its own, so only the session can bound them.
            new Case(Limits.RPC_MAX_IN_FLIGHT, b -> b.rpcMaxInFlight(1), port -> {
                try (NativeClient backend = NativeClient.hello(port); NativeClient caller = NativeClient.hello(port)) {
                    assertThat(backend.request("{\"op\":\"rpc.serve\",\"id\":1,\"pattern\":\"svc.>\"}", 1)
                            .path("op").asString()).isEqualTo("reply");
                    caller.send("{\"op\":\"rpc.call\",\"id\":1,\"name\":\"svc.a\",\"payload\":\"one\"}");
                    JsonNode request = backend.read(); // the first call is in flight at its backend
                    assertThat(request.path("op").asString()).isEqualTo("rpc.request");
                    assertError(caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"svc.b\"}", 2),
                            "too_many_requests", "--rpc-max-in-flight");
                    backend.request("{\"op\":\"rpc.respond\",\"id\":2,\"rid\":\"" + request.path("rid").asString()
                            + "\",\"payload\":\"done\"}", 2);
                    assertThat(caller.readReply(1).at("/result/payload").asString()).as("the call in flight is still served")
                            .isEqualTo("done");
                }
            }),
            new Case(Limits.ACOMM_MAX_IN_FLIGHT, b -> b.acommMaxInFlight(1).onRequest("acomm.hang", ctx -> new CompletableFuture<>()),
                    port -> {
                try (AcommPeer c = AcommPeer.tcp(port); AcommPeer other = AcommPeer.tcp(port)) {
                    c.send(AcommPeer.request("1", "acomm.hang", "null", null));
                    assertThat(c.read().path("error").asString()).isEmpty();
                    c.send(AcommPeer.request("2", "acomm.hang", "null", null));
                    assertThat(c.read().path("error").asString()).startsWith("too_many_requests: ").contains("--acomm-max-in-flight");
                    other.send(AcommPeer.request("3", "acomm.hang", "null", null));
                    assertThat(other.read().path("error").asString()).as("another connection is still served").isEmpty();
                }
            }),
            new Case(Limits.ACOMM_MAX_HOOK_DELIVERIES, b -> b.acommMaxHookDeliveries(1)
                    .onRequest("acomm.hang", ctx -> new CompletableFuture<>()), port -> {
                // A loopback client may name a Unix socket hook; nothing is delivered while the call hangs.
                String hook = "\"unix:///nonexistent/acomm-hook.sock\"";
                try (AcommPeer c = AcommPeer.tcp(port)) {
                    c.send(AcommPeer.request("1", "acomm.hang", "null", hook));
                    assertThat(c.read().path("error").asString()).isEmpty();
                    c.send(AcommPeer.request("2", "acomm.hang", "null", hook));
                    assertThat(c.read().path("error").asString()).startsWith("too_many_requests: ")
                            .contains("--acomm-max-hook-deliveries");
                    c.send(AcommPeer.request("3", "acomm.hang", "null", null));
                    assertThat(c.read().path("error").asString()).as("a request without a hook is still taken").isEmpty();
                }
            }),
            new Case(Limits.PRESENCE_MAX_WATCHES_PER_SESSION, b -> b.presenceMaxWatchesPerSession(1), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    assertThat(c.request(presenceSubscribe(2, "[\"a\"]"), 2).has("result")).isTrue();
                    assertError(c.request(presenceSubscribe(3, "[\"b\"]"), 3), "too_many_requests",
                            "--presence-max-watches-per-session");
                    assertThat(c.request("{\"op\":\"ping\",\"id\":4}", 4).path("op").asString()).isEqualTo("pong");
                }
            }),
            new Case(Limits.TOPIC_PRESENCE_MAX_WATCHES_PER_SESSION, b -> b.topicPresenceMaxWatchesPerSession(1), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    assertThat(c.request("{\"op\":\"topic.presence.subscribe\",\"id\":2,\"topic\":\"room.1\"}", 2)
                            .has("result")).isTrue();
                    assertThat(c.request("{\"op\":\"topic.presence.subscribe\",\"id\":3,\"topic\":\"room.1\"}", 3)
                            .has("result")).as("the same topic again is the same watch").isTrue();
                    assertError(c.request("{\"op\":\"topic.presence.subscribe\",\"id\":4,\"topic\":\"room.2\"}", 4),
                            "too_many_requests", "--topic-presence-max-watches-per-session");
                    assertThat(c.request("{\"op\":\"ping\",\"id\":5}", 5).path("op").asString()).isEqualTo("pong");
                }
            }),
            new Case(Limits.PRESENCE_MAX_IDS_PER_WATCH, b -> b.presenceMaxIdsPerWatch(2), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    assertError(c.request(presenceSubscribe(2, "[\"a\",\"b\",\"c\"]"), 2), "invalid_argument",
                            "--presence-max-ids-per-watch");
                    assertThat(c.request(presenceSubscribe(3, "[\"a\",\"b\"]"), 3).has("result")).as("two ids are within the bound")
                            .isTrue();
                }
            }),
            // Peers coming and going faster than the watcher's changes are handed over: at most one
            // may wait, so a burst of disconnects overflows it, and the watcher starts again from a
            // fresh snapshot. (Bounded rounds: the first one overflows on any ordinary machine.)
            new Case(Limits.PRESENCE_MAX_QUEUED_PER_WATCH, b -> b.presenceMaxQueuedPerWatch(1), port -> {
                try (NativeClient watcher = NativeClient.hello(port)) {
                    assertThat(watcher.request("{\"op\":\"presence.subscribe\",\"id\":2,\"pattern\":\">\"}", 2)
                            .at("/result/watch").asString()).isNotEmpty();
                    for (int round = 0; round < 10 && hits(port, Limits.PRESENCE_MAX_QUEUED_PER_WATCH) == 0; round++) {
                        List<NativeClient> peers = new java.util.ArrayList<>();
                        for (int i = 0; i < 16; i++) peers.add(NativeClient.hello(port));
                        for (NativeClient p : peers) p.close();
                    }
                    JsonNode e = watcher.read();
                    for (int i = 0; i < 1_000 && !"presence.resync".equals(e.path("op").asString()); i++) e = watcher.read();
                    assertThat(e.path("op").asString()).isEqualTo("presence.resync");
                    JsonNode snapshot = watcher.read();
                    assertThat(snapshot.path("op").asString()).isEqualTo("presence");
                    assertThat(snapshot.path("offline")).as("a snapshot holds who is online").isEmpty();
                    watcher.send("{\"op\":\"ping\",\"id\":3}");
                    JsonNode pong = watcher.read();
                    for (int i = 0; i < 1_000 && !pong.has("id"); i++) pong = watcher.read(); // presence events come first
                    assertThat(pong.path("op").asString()).isEqualTo("pong");
                }
            }),
            new Case(Limits.RELAY_MAX_MESSAGE_BYTES, b -> b.relayMaxMessageBytes(4), port -> {
                try (NativeClient sender = NativeClient.hello(port); NativeClient receiver = NativeClient.hello(port)) {
                    String to = sessionOf(receiver);
                    assertError(sender.request(relaySend(2, to, "\"12345\""), 2), "frame_too_large", "--relay-max-message-bytes");
                    assertThat(sender.request(relaySend(3, to, "\"1234\""), 3).has("result")).as("four bytes are within the bound")
                            .isTrue();
                    assertThat(receiver.read().path("payload").asString()).as("delivered whole, never truncated").isEqualTo("1234");
                }
            }),
            // A bucket of one message (or four bytes) a second: the second of two back-to-back sends is refused.
            new Case(Limits.RELAY_MAX_MESSAGES_PER_SECOND, b -> b.relayMaxMessagesPerSecond(1), port -> {
                sendUntilRefused(port, "\"m\"", "--relay-max-messages-per-second");
            }),
            new Case(Limits.RELAY_MAX_BYTES_PER_SECOND, b -> b.relayMaxBytesPerSecond(4), port -> {
                sendUntilRefused(port, "\"abc\"", "--relay-max-bytes-per-second");
            }),
            new Case(Limits.RELAY_MAX_UNACKNOWLEDGED, b -> b.relayMaxUnacknowledged(1), port -> {
                try (NativeClient sender = NativeClient.hello(port); NativeClient receiver = NativeClient.hello(port)) {
                    String to = sessionOf(receiver);
                    String first = "{\"op\":\"relay.send\",\"id\":2,\"to\":\"" + to + "\",\"payload\":\"a\",\"ack_id\":\"m1\"}";
                    assertThat(sender.request(first, 2).has("result")).isTrue();
                    String second = "{\"op\":\"relay.send\",\"id\":3,\"to\":\"" + to + "\",\"payload\":\"b\",\"ack_id\":\"m2\"}";
                    assertError(sender.request(second, 3), "too_many_requests", "--relay-max-unacknowledged");
                    assertThat(sender.request(relaySend(4, to, "\"c\""), 4).has("result")).as("a message without ack_id still goes")
                            .isTrue();
                }
            }),
            new Case(Limits.RPC_MAX_FANOUT, b -> b.rpcMaxFanout(1), port -> {
                try (NativeClient backend = NativeClient.hello(port); NativeClient caller = NativeClient.hello(port)) {
                    assertThat(backend.request("{\"op\":\"rpc.serve\",\"id\":1,\"pattern\":\"svc.>\"}", 1)
                            .path("op").asString()).isEqualTo("reply");
                    assertError(caller.request("{\"op\":\"rpc.call_many\",\"id\":1,\"targets\":[\"svc.a\",\"svc.b\"]}", 1),
                            "too_many_requests", "--rpc-max-fanout");
                    caller.send("{\"op\":\"rpc.call_many\",\"id\":2,\"targets\":[\"svc.a\"],\"payload\":\"one\"}");
                    JsonNode request = backend.read();
                    backend.request("{\"op\":\"rpc.respond\",\"id\":2,\"rid\":\"" + request.path("rid").asString()
                            + "\",\"payload\":\"done\"}", 2);
                    assertThat(caller.readReply(2).at("/result/replies/0/payload").asString()).as("one member is within the bound")
                            .isEqualTo("done");
                }
            }),
            // An HTTP caller that does not poll takes no chunk: the second one waits past the window.
            new Case(Limits.RPC_STREAM_WINDOW, b -> b.rpcStreamWindow(1), port -> {
                try (NativeClient backend = NativeClient.hello(port)) {
                    assertThat(backend.request("{\"op\":\"rpc.serve\",\"id\":1,\"pattern\":\"svc.stream\"}", 1)
                            .path("op").asString()).isEqualTo("reply");
                    HttpSessionClient caller = HttpSessionClient.create(port);
                    CompletableFuture<HttpSessionClient.Resp> call = caller.opAsync("rpc.call",
                            "{\"name\":\"svc.stream\",\"stream\":true,\"timeout_ms\":10000}", Duration.ofSeconds(15));
                    String rid = backend.read().path("rid").asString();
                    backend.send("{\"op\":\"rpc.chunk\",\"id\":2,\"rid\":\"" + rid + "\",\"payload\":\"a\"}");
                    assertError(backend.request("{\"op\":\"rpc.chunk\",\"id\":3,\"rid\":\"" + rid + "\",\"payload\":\"b\"}", 3),
                            "too_many_requests", "--rpc-stream-window");
                    assertThat(caller.poll(0, 5000).json().at("/events/0/payload").asString()).isEqualTo("a");
                    assertThat(backend.readReply(2).path("op").asString()).as("taken once polled").isEqualTo("reply");
                    backend.request("{\"op\":\"rpc.respond\",\"id\":4,\"rid\":\"" + rid + "\",\"payload\":\"end\"}", 4);
                    assertThat(call.get(10, java.util.concurrent.TimeUnit.SECONDS).json().path("payload").asString()).isEqualTo("end");
                }
            }),
            new Case(Limits.MAX_REQUESTS_IN_FLIGHT, b -> b.maxRequestsInFlight(1), port -> {
                try (NativeClient holder = NativeClient.hello(port)) {
                    assertThat(holder.request(acquire(1, "a"), 1).at("/result/status").asString()).isEqualTo("acquired");
                    HttpSessionClient session = HttpSessionClient.create(port);
                    CompletableFuture<HttpSessionClient.Resp> waiting =
                            session.opAsync("lock.acquire", "{\"key\":\"a\",\"timeout_ms\":10000}", Duration.ofSeconds(15));
                    await().atMost(WAIT).until(() -> waiters(port, "a") == 1);
                    HttpSessionClient.Resp refused = session.op("lock.acquire", "{\"key\":\"b\"}");
                    assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
                    assertThat(refused.json().path("code").asString()).isEqualTo("too_many_requests");
                    assertThat(refused.json().path("message").asString()).contains("--max-requests-in-flight");
                    holder.request("{\"op\":\"session.close\",\"id\":2}", 2); // frees a: the wait is granted
                    assertThat(waiting.get().status()).as("the request in flight is still served").isEqualTo(200);
                }
            }),
            new Case(Limits.DFLOCKD_MAX_PIPELINED, b -> b.dflockdMaxPipelined(2), port -> {
                try (DflockdLines holder = new DflockdLines(port); Socket pipeliner = Wire.connect(port, WAIT)) {
                    assertThat(holder.call("l\nk\n10\n")).startsWith("ok ");
                    // The first waits for k; three more come behind it, one past the limit.
                    Wire.send(pipeliner, "l\nk\n10\n" + "l\nj\n0\n".repeat(3));
                    assertThat(readToEnd(pipeliner)).as("closed without an answer").isEmpty();
                    assertThat(holder.call("l\nj\n0\n")).as("the holder is still served").startsWith("ok ");
                }
            }),
            new Case(Limits.HTTP_MAX_PIPELINED, b -> b.httpMaxPipelined(2), port -> {
                try (Socket s = Wire.connect(port, WAIT)) {
                    // An event stream never ends, so the three requests behind it wait: one too many.
                    Wire.send(s, "GET /v1/signals?pattern=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                            + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(3));
                    assertThat(Wire.closedByServer(s)).as("the connection is closed").isTrue();
                }
            }),
            new Case(Limits.MAX_FRAME_BYTES, b -> b.maxFrameBytes(256), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    c.send("{\"op\":\"ping\",\"id\":1,\"pad\":\"" + "x".repeat(400) + "\"}");
                    assertError(c.read(), "frame_too_large", "at most 256 bytes");
                    assertThat(c.closedByServer()).isTrue();
                }
            }),
            new Case(Limits.HTTP_MAX_BODY_BYTES, b -> b.httpMaxBodyBytes(1024), port -> {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(port, "/api/v1/sessions")).timeout(WAIT)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"pad\":\"" + "x".repeat(4000) + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(413);
                assertThat(NativeClient.JSON.readTree(r.body()).path("code").asString()).isEqualTo("frame_too_large");
                assertThat(NativeClient.JSON.readTree(r.body()).path("message").asString()).isEqualTo("request body too large");
            }),
            new Case(Limits.LOCK_MAILBOX_SIZE, b -> b.lockMailboxSize(1), port -> {
                // A shard's mailbox holds one waiting request: bursts of try-locks on one key from
                // connections on different event loops soon find it busy. Bounded in rounds.
                boolean refused = false;
                for (int round = 0; round < 40 && !refused; round++) {
                    List<CompletableFuture<Boolean>> bursts = new java.util.ArrayList<>();
                    for (int c = 0; c < 4; c++) bursts.add(CompletableFuture.supplyAsync(() -> tryLockBurst(port, 200)));
                    for (CompletableFuture<Boolean> burst : bursts) refused |= burst.join();
                }
                assertThat(refused).as("a burst met a full shard mailbox").isTrue();
                try (NativeClient c = NativeClient.hello(port)) {
                    assertThat(c.request(acquire(1, "after"), 1).at("/result/status").asString()).isEqualTo("acquired");
                }
            }),
            new Case(Limits.SESSION_MAILBOX_SIZE, b -> b.sessionMailboxSize(1).signalBufferSize(100_000), port -> {
                // One session with eight connections, so each delivery writes to eight sockets, and
                // publishers on other event loops soon outrun the thread delivering and find its
                // mailbox (one event) full. Bounded in rounds.
                List<NativeClient> connections = new java.util.ArrayList<>();
                try {
                    NativeClient first = NativeClient.lines(port);
                    connections.add(first);
                    first.send("{\"op\":\"hello\",\"id\":0,\"version\":1}");
                    JsonNode welcome = first.read();
                    assertThat(first.request(listen(1, "fan"), 1).has("result")).isTrue();
                    for (int i = 1; i < 8; i++) {
                        NativeClient more = NativeClient.lines(port);
                        connections.add(more);
                        more.send("{\"op\":\"hello\",\"id\":0,\"version\":1,\"resume\":{\"session\":\""
                                + welcome.path("session").asString() + "\",\"key\":\""
                                + welcome.path("resume_key").asString() + "\",\"last_seq\":0}}");
                        assertThat(more.read().path("resumed").asBoolean()).isTrue();
                    }
                    for (int round = 0; round < 30 && hits(port, Limits.SESSION_MAILBOX_SIZE) < 1; round++) {
                        List<CompletableFuture<Void>> bursts = new java.util.ArrayList<>();
                        for (int c = 0; c < 3; c++) bursts.add(CompletableFuture.runAsync(() -> publishBurst(port, "fan", 300)));
                        for (CompletableFuture<Void> burst : bursts) burst.join();
                    }
                    // Every connection of the session is cut as a slow consumer (the events stay for a resume).
                    JsonNode last = first.read();
                    for (int i = 0; i < 100_000 && !last.has("error"); i++) last = first.read();
                    assertError(last, "slow_consumer", "--session-mailbox-size");
                    assertThat(first.closedByServer()).isTrue();
                } finally {
                    for (NativeClient c : connections) c.close();
                }
            }),
            new Case(Limits.SIGNAL_BUFFER_SIZE, b -> b.signalBufferSize(1).writeTimeout(Duration.ofSeconds(30)), port -> {
                try (Socket listener = unreadSocket(port); DflockdLines publisher = new DflockdLines(port)) {
                    Wire.send(listener, "listen\nbig\n\n");
                    assertThat(Wire.readLine(listener)).isEqualTo("ok");
                    // Signals pile up behind a listener that does not read until one finds its queue full.
                    String payload = "x".repeat(60_000);
                    String answer = "ok 1";
                    for (int i = 0; i < 500 && answer.equals("ok 1"); i++) {
                        answer = publisher.call("signal\nbig\n" + payload + "\n");
                    }
                    assertThat(answer).as("the slow listener was evicted").isEqualTo("ok 0");
                    assertThat(Wire.closedByServer(listener)).isTrue();
                }
            }),
            new Case(Limits.HTTP_MAX_PENDING_BYTES, b -> b.httpMaxPendingBytes(65536).signalBufferSize(100_000)
                    .writeTimeout(Duration.ofSeconds(30)), port -> {
                try (Socket reader = unreadSocket(port)) {
                    Wire.send(reader, "GET /v1/signals?pattern=big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    String payload = "{\"payload\":\"" + "x".repeat(60_000) + "\"}";
                    await().atMost(WAIT).until(() -> publish(port, payload).contains("\"delivered\":1"));
                    String answer = "";
                    for (int i = 0; i < 500 && !answer.contains("\"delivered\":0"); i++) answer = publish(port, payload);
                    assertThat(answer).as("the stream that did not read was cut").contains("\"delivered\":0");
                    assertThat(Wire.closedByServer(reader)).isTrue();
                }
            }),
            new Case(Limits.HANDSHAKE_TIMEOUT, b -> b.handshakeTimeout(Duration.ofMillis(300)), port -> {
                try (Socket silent = Wire.connect(port, WAIT)) {
                    Wire.send(silent, "{");
                    JsonNode error = NativeClient.JSON.readTree(Wire.readLine(silent));
                    assertError(error, "handshake_timeout", "no hello within 300 ms");
                    assertThat(Wire.closedByServer(silent)).isTrue();
                }
            }),
            // 2 messages of 100 bytes fit (each counts payload + topic + 64 bytes); the third drops the node's oldest.
            new Case(Limits.TOPIC_HISTORY_MAX_BYTES, b -> b.topicHistory("h.*=10").topicHistoryMaxBytes(2 * (100 + 3 + 64)), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    String epoch = null;
                    for (int i = 1; i <= 3; i++) {
                        JsonNode r = c.request(topicPublish(i, i == 3 ? "h.b" : "h.a", "x".repeat(100)), i);
                        assertThat(r.at("/result/offset").asLong()).isEqualTo(i == 3 ? 1 : i);
                        if (i == 1) epoch = r.at("/result/epoch").asString();
                    }
                    c.send("{\"op\":\"topic.subscribe\",\"id\":9,\"pattern\":\"h.a\",\"since\":{\"offset\":0,\"epoch\":\"" + epoch + "\"}}");
                    // The backlog comes first: offset 1 is gone, 2 is the oldest kept.
                    assertThat(c.read().path("offset").asLong()).isEqualTo(2);
                    JsonNode lost = c.read();
                    assertThat(lost.at("/result/recovered").asBoolean()).as("%s", lost).isFalse();
                    assertThat(lost.at("/result/first_offset").asLong()).as("%s", lost).isEqualTo(2);
                }
            }),
            // Two topics keep a history; a third makes the node forget the least recently used one.
            new Case(Limits.TOPIC_HISTORY_MAX_TOPICS, b -> b.topicHistory(">=10").topicHistoryMaxTopics(2), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    String epoch = c.request(topicPublish(1, "t1", "a"), 1).at("/result/epoch").asString();
                    c.request(topicPublish(2, "t2", "b"), 2);
                    c.request(topicPublish(3, "t3", "c"), 3);
                    JsonNode again = c.request(topicPublish(4, "t1", "d"), 4);
                    assertThat(again.at("/result/offset").asLong()).isEqualTo(1);
                    assertThat(again.at("/result/epoch").asString()).isNotEqualTo(epoch);
                }
            }),
            new Case(Limits.HTTP_RATE_LIMIT_PER_IP, b -> b.httpRateLimitPerIp(1).httpRateLimitBurst(1), port -> {
                assertThat(get(port, "/v1/stats").statusCode()).isEqualTo(200);
                HttpResponse<String> limited = get(port, "/v1/stats");
                assertThat(limited.statusCode()).isEqualTo(429);
                assertThat(NativeClient.JSON.readTree(limited.body()).path("error").asString()).isEqualTo("rate_limited");
                assertThat(get(port, "/health").statusCode()).as("health is exempt").isEqualTo(200);
            }),
            // One connect hook call held by the embedding program fills a queue of one: the next
            // connection cannot be checked and is refused; the held one goes on once released.
            new Case(Limits.HOOK_QUEUE_SIZE, b -> b.hookQueueSize(1).onConnect(HeldHook.INSTANCE), port -> {
                HeldHook.INSTANCE.reset();
                try (NativeClient first = NativeClient.lines(port); NativeClient second = NativeClient.lines(port)) {
                    first.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
                    await().atMost(WAIT).until(HeldHook.INSTANCE::holding);
                    assertError(second.request("{\"op\":\"hello\",\"id\":1,\"version\":1}", 1), "too_many_requests",
                            "--hook-queue-size");
                    assertThat(second.closedByServer()).isTrue();
                    HeldHook.INSTANCE.release();
                    assertThat(first.read().path("op").asString()).isEqualTo("welcome");
                }
            }),
            // Two sessions and a snapshot of at most one entry per list: one session shown, the cut said.
            new Case(Limits.ADMIN_SNAPSHOT_MAX_ITEMS, b -> b.adminToken("limits-admin").adminSnapshotMaxItems(1), port -> {
                try (NativeClient a = NativeClient.hello(port); NativeClient b = NativeClient.hello(port)) {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(port, "/api/v1/admin/snapshot")).timeout(WAIT)
                            .header("X-Switchboard-Admin", "limits-admin").build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    JsonNode snapshot = NativeClient.JSON.readTree(r.body());
                    assertThat(snapshot.path("truncated").asBoolean()).isTrue();
                    assertThat(snapshot.path("sessions").size()).isEqualTo(1);
                }
            }),
            // The cluster's bounds, on clustered nodes (one nats-server and one etcd for the class;
            // each case its own cluster prefix, so no case sees another's peers or services).
            new Case(Limits.CLUSTER_MAX_PEERS, b -> Clustered.node(b, "peers", 1, e -> e.maxPeers(1)), port -> {
                try (NativeClient first = NativeClient.hello(port); NativeClient second = NativeClient.hello(port)) {
                    String unlisted = sessionOf(second); // its peer id found no room in the directory
                    assertError(first.request(relaySend(2, unlisted, "\"m\""), 2), "peer_not_found", unlisted);
                    assertThat(second.request(relaySend(3, sessionOf(first), "\"m\""), 3).has("result"))
                            .as("the peer that found room is reachable").isTrue();
                    assertThat(first.read().path("op").asString()).isEqualTo("relay.message");
                }
            }),
            new Case(Limits.CLUSTER_RPC_MAX_IN_FLIGHT, b -> Clustered.node(b, "rpc", 1, e -> e.rpcMaxInFlight(1)), port -> {
                try (Switchboard other = Clustered.node(Switchboard.builder().port(0), "rpc", 2, e -> e).start();
                     NativeClient backend = NativeClient.hello(other.port());
                     NativeClient caller = NativeClient.hello(port)) {
                    assertThat(backend.request("{\"op\":\"rpc.serve\",\"id\":1,\"pattern\":\"svc.>\"}", 1)
                            .path("op").asString()).isEqualTo("reply");
                    // The first call goes to the other node over NATS once NATS has its subscription, and waits
                    // there; before that it is answered no_responders at once, so it is asked again, each try with
                    // an id of its own. The try the backend got (its payload says which) is the call in flight:
                    // a try is never taken for it because its answer was merely slow, and the others' answers,
                    // in any order, are kept by readReply out of the way. Its deadline is far off: the backend answers it.
                    int[] tries = {0};
                    JsonNode[] delivered = {null};
                    backend.setTimeout(1_000);
                    await().atMost(WAIT).until(() -> {
                        int id = 100 + ++tries[0];
                        caller.send("{\"op\":\"rpc.call\",\"id\":" + id + ",\"name\":\"svc.a\",\"payload\":\"" + id
                                + "\",\"timeout_ms\":15000}");
                        try {
                            delivered[0] = backend.read();
                            return true;
                        } catch (java.net.SocketTimeoutException notYet) {
                            return false;
                        }
                    });
                    backend.setTimeout(5_000);
                    JsonNode request = delivered[0];
                    assertThat(request.path("op").asString()).isEqualTo("rpc.request");
                    String inFlight = request.path("payload").asString();
                    assertError(caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"svc.b\"}", 2),
                            "too_many_requests", "--cluster-rpc-max-in-flight");
                    backend.request("{\"op\":\"rpc.respond\",\"id\":2,\"rid\":\"" + request.path("rid").asString()
                            + "\",\"payload\":\"done\"}", 2);
                    assertThat(caller.readReply(inFlight).at("/result/payload").asString()).as("the call in flight is still served")
                            .isEqualTo("done");
                }
            }),
            new Case(Limits.CLUSTER_HISTORY_MAX_PENDING,
                    b -> Clustered.node(b.topicHistory("hist.>=100"), "history", 1, e -> e.historyMaxPending(1)), port -> {
                try (NativeClient c = NativeClient.hello(port)) {
                    // A burst in one write: the first publish waits for JetStream, the ones read meanwhile find no room.
                    int burst = 50;
                    int stored = 0;
                    int refused = 0;
                    for (int round = 0; round < 10 && refused == 0; round++) {
                        StringBuilder out = new StringBuilder();
                        for (int i = 0; i < burst; i++) out.append(topicPublish(10 + round * burst + i, "hist.a", "m")).append('\n');
                        c.sendRaw(out.toString().getBytes(StandardCharsets.UTF_8));
                        for (int i = 0; i < burst; i++) {
                            JsonNode reply = c.read();
                            if (reply.has("result")) {
                                stored++;
                            } else {
                                assertError(reply, "internal", "--cluster-history-max-pending");
                                refused++;
                            }
                        }
                    }
                    assertThat(refused).as("publishes refused by the bound").isPositive();
                    assertThat(stored).as("publishes stored while others were refused").isPositive();
                    assertThat(c.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");
                }
            }),
            new Case(Limits.CLUSTER_MAX_PENDING_MESSAGES, b -> Clustered.node(b, "pending-messages", 1, e -> e.maxPendingMessages(1)),
                    port -> overflowFromAnotherNode(port, "pending-messages", Limits.CLUSTER_MAX_PENDING_MESSAGES)),
            new Case(Limits.CLUSTER_MAX_PENDING_BYTES, b -> Clustered.node(b, "pending-bytes", 1, e -> e.maxPendingBytes(1_000)),
                    port -> overflowFromAnotherNode(port, "pending-bytes", Limits.CLUSTER_MAX_PENDING_BYTES)));

    /**
     * A subscriber on the node under test, and bursts published on another node until NATS drops
     * some for the node under test (bounded rounds: the first one overflows on any ordinary machine):
     * the subscriber gets fewer than were published, and both nodes still serve.
     */
    private static void overflowFromAnotherNode(int port, String cluster, Limit limit) throws Exception {
        int burst = 500;
        String payload = "x".repeat(2_000);
        try (Switchboard other = Clustered.node(Switchboard.builder().port(0), cluster, 2, e -> e).start();
             NativeClient subscriber = NativeClient.hello(port);
             NativeClient publisher = NativeClient.hello(other.port())) {
            assertThat(subscriber.request("{\"op\":\"topic.subscribe\",\"id\":1,\"pattern\":\"burst\"}", 1).has("result")).isTrue();
            int published = 0;
            for (int round = 0; round < 10 && hits(port, limit) == 0; round++) {
                StringBuilder out = new StringBuilder();
                for (int i = 0; i < burst; i++) {
                    int id = 10 + published + i;
                    out.append("{\"op\":\"topic.publish\",\"id\":").append(id).append(",\"topic\":\"burst\",\"payload\":\"")
                            .append(payload).append("\"}\n");
                }
                publisher.sendRaw(out.toString().getBytes(StandardCharsets.UTF_8));
                for (int i = 0; i < burst; i++) assertThat(publisher.read().has("result")).isTrue();
                published += burst;
            }
            assertThat(hits(port, limit)).as("NATS dropped messages for the node under test").isPositive();
            int received = 0;
            subscriber.setTimeout(1_000);
            try {
                while (received < published) {
                    if ("message".equals(subscriber.read().path("op").asString())) received++;
                }
            } catch (java.net.SocketTimeoutException quiet) {
                // nothing more is coming
            }
            subscriber.setTimeout(5_000);
            assertThat(received).as("what the subscriber got of %s", published).isLessThan(published);
            assertThat(subscriber.request("{\"op\":\"ping\",\"id\":2}", 2).path("op").asString()).isEqualTo("pong");
        }
    }

    /** Clustered nodes for the cluster's bounds: nats-server and etcd started on first use, stopped after the class. */
    private static final class Clustered {
        private static dev.switchboard.cluster.testing.NatsServer nats;
        private static dev.switchboard.cluster.testing.EtcdServer etcd;

        /** {@code b} as node {@code n} of the cluster named {@code cluster}, its engines tuned by {@code tuning}. */
        static synchronized SwitchboardConfig.Builder node(SwitchboardConfig.Builder b, String cluster, int n,
                                                           UnaryOperator<EngineTuning> tuning) {
            try {
                if (nats == null) nats = dev.switchboard.cluster.testing.NatsServer.started();
                if (etcd == null) etcd = dev.switchboard.cluster.testing.EtcdServer.started();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start nats-server and etcd for the cluster's limits", e);
            }
            String prefix = "limits-" + cluster;
            return b.shutdownTimeout(Duration.ofSeconds(1))
                    .cluster(dev.switchboard.cluster.ClusterSettings.of(prefix + "-" + n, "127.0.0.1:0", prefix,
                            dev.switchboard.cluster.ClusterSettings.Nats.plain(List.of(nats.url())),
                            dev.switchboard.cluster.ClusterSettings.Etcd.plain(List.of(etcd.url()))))
                    .clusterEngines(tuning.apply(new EngineTuning(dev.switchboard.cluster.ClusterSettings.Engines.defaults())).engines);
        }

        static synchronized void stop() {
            if (nats != null) nats.close();
            if (etcd != null) etcd.close();
            nats = null;
            etcd = null;
        }
    }

    /** The default cluster engine settings with one bound changed. */
    private record EngineTuning(dev.switchboard.cluster.ClusterSettings.Engines engines) {
        EngineTuning maxPeers(int n) {
            return new EngineTuning(new dev.switchboard.cluster.ClusterSettings.Engines(engines.callTimeout(), engines.leaseTtlSeconds(),
                    n, engines.maxPendingMessages(), engines.maxPendingBytes(), engines.maxCountedPublishes(), engines.maxOrigins(),
                    engines.rpcMaxInFlight()));
        }

        EngineTuning rpcMaxInFlight(int n) {
            return new EngineTuning(new dev.switchboard.cluster.ClusterSettings.Engines(engines.callTimeout(), engines.leaseTtlSeconds(),
                    engines.maxPeers(), engines.maxPendingMessages(), engines.maxPendingBytes(), engines.maxCountedPublishes(),
                    engines.maxOrigins(), n));
        }

        EngineTuning historyMaxPending(int n) {
            return new EngineTuning(engines.withHistoryMaxPending(n));
        }

        EngineTuning maxPendingMessages(int n) {
            return new EngineTuning(new dev.switchboard.cluster.ClusterSettings.Engines(engines.callTimeout(), engines.leaseTtlSeconds(),
                    engines.maxPeers(), n, engines.maxPendingBytes(), engines.maxCountedPublishes(), engines.maxOrigins(),
                    engines.rpcMaxInFlight()));
        }

        EngineTuning maxPendingBytes(long n) {
            return new EngineTuning(new dev.switchboard.cluster.ClusterSettings.Engines(engines.callTimeout(), engines.leaseTtlSeconds(),
                    engines.maxPeers(), engines.maxPendingMessages(), n, engines.maxCountedPublishes(), engines.maxOrigins(),
                    engines.rpcMaxInFlight()));
        }
    }

    @AfterAll
    static void stopWebhook() {
        HANGING_WEBHOOK.close();
        Clustered.stop();
    }

    /** A connect hook that holds the first call until released, and accepts every connection. */
    private static final class HeldHook implements dev.switchboard.server.embed.ConnectHook {
        static final HeldHook INSTANCE = new HeldHook();
        private volatile java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean holding;

        void reset() {
            gate = new java.util.concurrent.CountDownLatch(1);
            holding = false;
        }

        boolean holding() {
            return holding;
        }

        void release() {
            gate.countDown();
        }

        @Override
        public dev.switchboard.server.embed.ConnectDecision onConnect(dev.switchboard.server.embed.ConnectInfo c) throws Exception {
            holding = true;
            gate.await(5, java.util.concurrent.TimeUnit.SECONDS);
            return dev.switchboard.server.embed.ConnectDecision.accept();
        }
    }

    static Stream<Case> cases() {
        return CASES.stream();
    }

    @Test
    void everyRegisteredLimitHasACase() {
        assertThat(CASES.stream().map(Case::limit).toList()).containsExactlyInAnyOrderElementsOf(Limits.ALL);
    }

    @Test
    void everyLimitHasItsSeriesFromTheStart() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            for (Limit l : Limits.ALL) assertThat(hits(sb.port(), l)).as(l.name()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aClientPastTheLimitGetsItsAnswerAndTheHitIsCounted(Case c) throws Exception {
        try (Switchboard sb = c.settings().apply(Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))).start()) {
            c.hit().run(sb.port());
            // After the hit's clients are gone (a connection cap would refuse the scrape itself;
            // the rate limit refuses it until its bucket refills).
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(hits(sb.port(), c.limit())).isGreaterThanOrEqualTo(1));
        }
    }

    // ---- the clients --------------------------------------------------------------------------------

    /**
     * Sends {@code n} try-locks on one key at once and reads every answer; true when one was
     * refused {@code too_many_requests} with the lock engine's message.
     */
    private static boolean tryLockBurst(int port, int n) {
        try (NativeClient c = NativeClient.hello(port)) {
            StringBuilder burst = new StringBuilder();
            for (int i = 1; i <= n; i++) {
                burst.append("{\"op\":\"lock.acquire\",\"id\":").append(i).append(",\"key\":\"hot\",\"timeout_ms\":0}\n");
            }
            c.sendRaw(burst.toString().getBytes(StandardCharsets.UTF_8));
            boolean refused = false;
            for (int i = 0; i < n; i++) {
                JsonNode reply = c.read();
                if ("too_many_requests".equals(reply.at("/error/code").asString())) {
                    assertError(reply, "too_many_requests", "retry later");
                    refused = true;
                }
            }
            return refused;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Publishes {@code n} signals on {@code channel} at once and reads every answer. */
    private static void publishBurst(int port, String channel, int n) {
        try (NativeClient c = NativeClient.hello(port)) {
            StringBuilder burst = new StringBuilder();
            for (int i = 1; i <= n; i++) {
                burst.append("{\"op\":\"signal.publish\",\"id\":").append(i).append(",\"channel\":\"")
                        .append(channel).append("\",\"payload\":\"p").append(i).append("\"}\n");
            }
            c.sendRaw(burst.toString().getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < n; i++) c.read();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String presenceSubscribe(int id, String peers) {
        return "{\"op\":\"presence.subscribe\",\"id\":" + id + ",\"peers\":" + peers + "}";
    }

    private static String acquire(int id, String key) {
        return "{\"op\":\"lock.acquire\",\"id\":" + id + ",\"key\":\"" + key + "\"}";
    }

    private static String topicPublish(int id, String topic, String text) {
        return "{\"op\":\"topic.publish\",\"id\":" + id + ",\"topic\":\"" + topic + "\",\"payload\":\"" + text + "\"}";
    }

    private static String listen(int id, String pattern) {
        return "{\"op\":\"signal.listen\",\"id\":" + id + ",\"pattern\":\"" + pattern + "\"}";
    }

    /**
     * Sends the same direct message back to back until it is refused (at most ten times, in case
     * the machine stalls for a whole second between two), then checks the refusal and that the
     * connection goes on.
     */
    private static void sendUntilRefused(int port, String payloadJson, String option) throws IOException {
        try (NativeClient sender = NativeClient.hello(port); NativeClient receiver = NativeClient.hello(port)) {
            String to = sessionOf(receiver);
            JsonNode answer = null;
            for (int i = 2; i < 12 && (answer == null || answer.has("result")); i++) {
                answer = sender.request(relaySend(i, to, payloadJson), i);
            }
            assertError(answer, "too_many_requests", option);
            assertThat(sender.request("{\"op\":\"ping\",\"id\":20}", 20).path("op").asString()).isEqualTo("pong");
        }
    }

    private static String relaySend(int id, String to, String payloadJson) {
        return "{\"op\":\"relay.send\",\"id\":" + id + ",\"to\":\"" + to + "\",\"payload\":" + payloadJson + "}";
    }

    /** The session id of a welcomed anonymous client: its peer id. */
    private static String sessionOf(NativeClient c) throws IOException {
        return c.request("{\"op\":\"session.info\",\"id\":90}", 90).at("/result/session").asString();
    }

    private static void assertError(JsonNode message, String code, String messagePart) {
        assertThat(message.at("/error/code").asString()).as("%s", message).isEqualTo(code);
        assertThat(message.at("/error/message").asString()).as("%s", message).contains(messagePart);
    }

    /** With one connection open, a second is closed at once, with nothing written. */
    private static void secondConnectionClosedUnanswered(int port) throws Exception {
        try (NativeClient first = NativeClient.hello(port); Socket second = Wire.connect(port, WAIT)) {
            assertThat(readToEnd(second)).as("the second connection gets nothing").isEmpty();
            assertThat(first.request("{\"op\":\"ping\",\"id\":1}", 1).path("op").asString()).isEqualTo("pong");
        }
    }

    private static void secondHelloRefused(int port, String code) throws Exception {
        try (NativeClient first = NativeClient.hello(port); NativeClient second = NativeClient.lines(port)) {
            second.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            assertError(second.read(), code, "1 sessions already");
            assertThat(second.closedByServer()).isTrue();
            assertThat(first.request("{\"op\":\"ping\",\"id\":1}", 1).path("op").asString()).isEqualTo("pong");
        }
    }

    private static void secondHttpSessionRefused(int port, String code) throws Exception {
        assertThat(post(port, "/v1/sessions", "").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = post(port, "/v1/sessions", "");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(NativeClient.JSON.readTree(refused.body()).path("error").asString()).isEqualTo(code);
    }

    /** A connection with a small receive buffer, so that what it does not read backs up in the server. */
    private static Socket unreadSocket(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    /** Everything the server sends until it closes the connection. */
    private static String readToEnd(Socket s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        try {
            in.transferTo(bytes);
        } catch (java.net.SocketException reset) {
            // closed by the server with a reset: what came before is the answer
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int waiters(int port, String key) throws Exception {
        for (JsonNode l : NativeClient.JSON.readTree(get(port, "/v1/stats").body()).path("locks")) {
            if (l.path("key").asString().equals(key)) return l.path("waiters").asInt();
        }
        return 0;
    }

    private static String publish(int port, String body) throws Exception {
        return post(port, "/v1/signals/big", body).body();
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(port, path)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(int port, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(port, path)).timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The node's count of hits of {@code limit}, scraped over a connection of its own that the
     * server closes after the answer (so that it holds no place under a connection cap).
     */
    private static double hits(int port, Limit limit) throws IOException {
        String scrape;
        try (Socket s = Wire.connect(port, WAIT)) {
            Wire.send(s, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            scrape = readToEnd(s);
        }
        assertThat(scrape).startsWith("HTTP/1.1 200");
        String series = "switchboard_limit_hits_total{limit=\"" + limit.name() + "\"} ";
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series)) return Double.parseDouble(line.substring(series.length()).trim());
        }
        throw new AssertionError("no series " + series + "in the scrape");
    }
}
