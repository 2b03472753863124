package dev.switchboard.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.dflockd.LineClient;
import dev.switchboard.server.nativeproto.HttpSessionClient;
import dev.switchboard.server.ws.WsClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * Streaming calls ({@code rpc.call} with {@code stream:true}) whose backend is on another node,
 * on two node processes over one nats-server: the chunks reach the caller in order before the
 * result, the window is the caller's ({@code too_many_requests} past it, as on one node), a
 * caller that goes leaves the backend's next chunk {@code unknown_request}, and a serving node
 * killed mid-stream leaves the caller with {@code timeout} at its deadline.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamsAcrossNodesTest {
    private static final int WINDOW = 4;
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static ClusterHarness cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ClusterHarness.started(2, "--rpc-stream-window", String.valueOf(WINDOW));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void chunksFromABackendOnNode1ReachTheCallerOnNode0InOrderThenTheResult() throws Exception {
        String name = unique("export");
        try (WsClient backend = WsClient.hello(cluster.port(1)); WsClient caller = WsClient.hello(cluster.port(0))) {
            serve(backend, name);
            String rid = startStream(caller, backend, name, 30000);
            int chunks = 40;
            for (int i = 0; i < chunks; i++) {
                JsonNode answer = backend.request(chunk(100 + i, rid, "row " + i), 100 + i);
                assertThat(answer.has("result")).as("chunk %d is answered once the caller's node took it: %s", i, answer)
                        .isTrue();
            }
            JsonNode done = backend.request("{\"op\":\"rpc.respond\",\"id\":300,\"rid\":\"" + rid
                    + "\",\"payload\":{\"rows\":" + chunks + "}}", 300);
            assertThat(done.has("result")).as(done.toString()).isTrue();

            int next = 0;
            JsonNode end = null;
            while (end == null) {
                JsonNode m = caller.read();
                switch (m.path("op").asString()) {
                    case "rpc.chunk" -> {
                        assertThat(m.path("index").asInt()).as(m.toString()).isEqualTo(next);
                        assertThat(m.path("payload").asString()).isEqualTo("row " + next);
                        assertThat(m.path("call").asInt()).isEqualTo(7);
                        next++;
                    }
                    case "reply", "error" -> end = m;
                    default -> { } // a ping
                }
            }
            assertThat(next).as("every chunk before the result").isEqualTo(chunks);
            assertThat(end.at("/result/payload/rows").asInt()).as(end.toString()).isEqualTo(chunks);
            assertThat(backend.request(chunk(400, rid, "late"), 400).at("/error/code").asString())
                    .as("the stream has ended").isEqualTo("unknown_request");
        }
    }

    @Test
    @Order(2)
    void theWindowIsTheCallersAChunkPastItIsRefusedAndAPollTakesTheRest() throws Exception {
        String name = unique("report");
        HttpSessionClient caller = HttpSessionClient.create(cluster.port(0));
        try (WsClient backend = WsClient.hello(cluster.port(1))) {
            serve(backend, name);
            CompletableFuture<HttpSessionClient.Resp> call = null;
            String rid = null;
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (rid == null && System.nanoTime() < end) { // the registration reaches node 0 one round trip late
                call = caller.opAsync("rpc.call", "{\"name\":\"" + name + "\",\"stream\":true,\"timeout_ms\":30000}",
                        Duration.ofSeconds(40));
                rid = nextRequestRid(backend, call);
            }
            assertThat(rid).as("the call reached the backend on node 1").isNotNull();

            for (int i = 0; i < WINDOW; i++) backend.send(chunk(100 + i, rid, "row " + i));
            JsonNode over = backend.request(chunk(200, rid, "one too many"), 200);
            assertThat(over.at("/error/code").asString()).as("nobody polled on node 0: %s", over).isEqualTo("too_many_requests");
            assertThat(over.at("/error/message").asString()).contains("--rpc-stream-window");

            JsonNode events = caller.poll(0, 5000).json().path("events");
            assertThat(events.size()).isEqualTo(WINDOW);
            for (int i = 0; i < WINDOW; i++) {
                assertThat(events.get(i).path("op").asString()).isEqualTo("rpc.chunk");
                assertThat(events.get(i).path("index").asInt()).isEqualTo(i);
                assertThat(events.get(i).path("payload").asString()).isEqualTo("row " + i);
            }
            // The poll took them: each chunk is answered now.
            java.util.Set<Integer> answered = new java.util.TreeSet<>();
            for (int i = 0; i < WINDOW; i++) {
                JsonNode r = backend.read();
                assertThat(r.path("op").asString()).as(r.toString()).isEqualTo("reply");
                answered.add(r.path("id").asInt());
            }
            assertThat(answered).containsExactly(100, 101, 102, 103);
            backend.send("{\"op\":\"rpc.respond\",\"id\":300,\"rid\":\"" + rid + "\",\"payload\":\"all rows\"}");
            HttpSessionClient.Resp r = call.get(10, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("payload").asString()).isEqualTo("all rows");
        } finally {
            caller.delete();
        }
    }

    @Test
    @Order(3)
    void whenTheCallerOnNode0GoesTheBackendsNextChunkOnNode1IsRefused() throws Exception {
        String name = unique("tail");
        try (WsClient backend = WsClient.hello(cluster.port(1))) {
            serve(backend, name);
            WsClient caller = WsClient.hello(cluster.port(0));
            String rid = startStream(caller, backend, name, 30000);
            assertThat(backend.request(chunk(1, rid, "first"), 1).has("result")).isTrue();
            caller.close();
            AtomicInteger id = new AtomicInteger(10);
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
                int n = id.incrementAndGet();
                return "unknown_request".equals(backend.request(chunk(n, rid, "more"), n).at("/error/code").asString());
            });
            // The serving node ended the call: the backend's answer to it is late too.
            JsonNode late = backend.request("{\"op\":\"rpc.respond\",\"id\":99,\"rid\":\"" + rid + "\",\"payload\":\"x\"}", 99);
            assertThat(late.at("/error/code").asString()).as(late.toString()).isEqualTo("unknown_request");
        }
    }

    @Test
    @Order(4)
    void whenTheServingNodeIsKilledMidStreamTheCallerGetsTimeoutAtItsDeadline() throws Exception {
        String name = unique("feed");
        try (WsClient backend = WsClient.hello(cluster.port(1)); WsClient caller = WsClient.hello(cluster.port(0))) {
            serve(backend, name);
            String rid = startStream(caller, backend, name, 4000);
            assertThat(backend.request(chunk(1, rid, "before"), 1).has("result")).isTrue();
            cluster.kill(1);
            JsonNode first = caller.read();
            assertThat(first.path("op").asString()).isEqualTo("rpc.chunk");
            assertThat(first.path("payload").asString()).isEqualTo("before");
            JsonNode end = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (end == null && System.nanoTime() < deadline) {
                String m = caller.messages.poll(100, TimeUnit.MILLISECONDS);
                if (m == null) continue;
                JsonNode e = LineClient.JSON.readTree(m);
                if ("7".equals(e.path("id").asString())) end = e;
            }
            assertThat(end).as("an explicit outcome by the deadline").isNotNull();
            assertThat(end.at("/error/code").asString()).as(end.toString()).isEqualTo("timeout");
        }
    }

    private static String unique(String base) {
        return "xs." + base + "." + NAMES.incrementAndGet();
    }

    private static void serve(WsClient backend, String name) throws Exception {
        JsonNode served = backend.request("{\"op\":\"rpc.serve\",\"id\":2,\"pattern\":\"" + name + "\"}", 2);
        assertThat(served.has("result")).as(served.toString()).isTrue();
    }

    /**
     * Makes the streaming call (id 7) from {@code caller} until it reaches {@code backend} (the
     * registration reaches the other node one NATS round trip after {@code rpc.serve}); its rid.
     */
    private static String startStream(WsClient caller, WsClient backend, String name, long timeoutMs) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            caller.send("{\"op\":\"rpc.call\",\"id\":7,\"name\":\"" + name + "\",\"stream\":true,\"timeout_ms\":" + timeoutMs + "}");
            // Each try ends one of two ways, whichever comes first and however long the way takes on
            // a loaded machine: the call reaches the backend, or node 0 (which has not heard of the
            // registration yet) answers no_responders. Not answered in some fixed time is neither:
            // the call may be on its way to node 1, and its answer comes only at its deadline.
            while (System.nanoTime() < end) {
                String m = backend.messages.poll(50, TimeUnit.MILLISECONDS);
                if (m != null) {
                    JsonNode request = LineClient.JSON.readTree(m);
                    assertThat(request.path("op").asString()).as(m).isEqualTo("rpc.request");
                    assertThat(request.path("stream").asBoolean()).as("the backend is told it may stream: " + m).isTrue();
                    return request.path("rid").asString();
                }
                String answer = caller.messages.poll();
                if (answer != null) {
                    JsonNode refused = LineClient.JSON.readTree(answer);
                    assertThat(refused.at("/error/code").asString()).as(answer).isEqualTo("no_responders");
                    break;
                }
            }
        }
        throw new AssertionError("the call never reached the backend on node 1");
    }

    /** The rid of the call's request at {@code backend}; null when the call was answered (no_responders) first. */
    private static String nextRequestRid(WsClient backend, CompletableFuture<HttpSessionClient.Resp> call) throws Exception {
        while (true) {
            String m = backend.messages.poll(100, TimeUnit.MILLISECONDS);
            if (m != null) return LineClient.JSON.readTree(m).path("rid").asString();
            if (call.isDone()) {
                assertThat(call.get().json().path("code").asString()).as(call.get().toString()).isEqualTo("no_responders");
                return null;
            }
        }
    }

    private static String chunk(int id, String rid, String text) {
        return "{\"op\":\"rpc.chunk\",\"id\":" + id + ",\"rid\":\"" + rid + "\",\"payload\":\"" + text + "\"}";
    }
}
