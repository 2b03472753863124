package dev.switchboard.server.acomm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.rpc.RpcResult;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * acomm's programming model on the Unix socket and TCP frames: acomm-shaped requests answered at
 * their response hooks (Unix socket and HTTP) or on their connection, served by in-process
 * handlers, native backends and backends written for acomm; and acomm's pitfalls, each avoided.
 */
class AcommTest {
    private static final String ACK = "{\"error\":\"\",\"id\":\"\",\"result\":null,\"stream_url\":null}";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private Switchboard sb;

    private Path socket() {
        return dir.resolve("sb.sock");
    }

    private Switchboard start(UnaryOperator<SwitchboardConfig.Builder> options) {
        sb = options.apply(Switchboard.builder().host("127.0.0.1").port(0).unixSocket(socket())
                .shutdownTimeout(Duration.ofSeconds(1))
                .onRequest("acomm.echo", ctx -> CompletableFuture.completedFuture(RpcResult.ok(ctx.payload())))
                .onRequest("acomm.fail", ctx -> CompletableFuture.completedFuture(
                        RpcResult.error("bad_input", "no good", null)))).start();
        return sb;
    }

    @AfterEach
    void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void anAcommClientOnTheUnixSocketGetsEachOutcomeAtItsUnixHook() throws Exception {
        start(b -> b);
        try (HookListener hook = HookListener.acking(dir.resolve("hook.sock"))) {
            // acomm's own client: one frame, read the acknowledgement, close.
            try (AcommPeer c = AcommPeer.unix(socket())) {
                c.send(AcommPeer.request("5c6ce7e8-0f43", "acomm.echo", "{\"foo\":\"bar\"}", AcommPeer.goUnixUrl(hook.path())));
                assertThat(c.readText()).isEqualTo(ACK);
            }
            JsonNode response = hook.next(10);
            assertThat(response.propertyNames()).as("acomm's field order, error first")
                    .containsExactly("error", "id", "result", "stream_url");
            assertThat(response.toString()).isEqualTo("{\"error\":\"\",\"id\":\"5c6ce7e8-0f43\",\"result\":{\"foo\":\"bar\"},\"stream_url\":null}");

            try (AcommPeer c = AcommPeer.unix(socket())) {
                c.send(AcommPeer.request("e1", "acomm.fail", "null", AcommPeer.goUnixUrl(hook.path())));
                assertThat(c.readText()).isEqualTo(ACK);
                c.send(AcommPeer.request("e2", "nobody.serves.this", "[1,2]", AcommPeer.goUnixUrl(hook.path())));
                assertThat(c.readText()).isEqualTo(ACK);
            }
            Map<String, JsonNode> byId = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                JsonNode r = hook.next(10);
                byId.put(r.path("id").asString(), r);
            }
            assertThat(byId.get("e1").path("error").asString()).isEqualTo("bad_input: no good");
            assertThat(byId.get("e1").path("result").isNull()).isTrue();
            assertThat(byId.get("e2").path("error").asString()).startsWith("no_responders: nothing serves nobody.serves.this");
        }
    }

    @Test
    void anHttpHookGetsTheResponsePostedAndOnlyAnAllowedPrefixIsTaken() throws Exception {
        BlockingQueue<String[]> posts = new LinkedBlockingQueue<>();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/responses", ex -> {
            try (InputStream body = ex.getRequestBody()) {
                posts.add(new String[] {ex.getRequestMethod(), ex.getRequestURI().toString(),
                        ex.getRequestHeaders().getFirst("Content-Type"), new String(body.readAllBytes(), StandardCharsets.UTF_8)});
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        http.start();
        try {
            String base = "http://127.0.0.1:" + http.getAddress().getPort();
            start(b -> b.rpcHookUrlAllow(List.of(base + "/responses", "http://localhost")));
            try (AcommPeer c = AcommPeer.tcp(sb.port())) {
                // A plain URL string (Switchboard's extension) and Go's struct, on one TCP frame connection.
                c.send(AcommPeer.request("h1", "acomm.echo", "\"text\"", "\"" + base + "/responses?x=1\""));
                assertThat(c.readText()).isEqualTo(ACK);
                c.send(AcommPeer.request("h2", "acomm.echo", "42", "{\"Scheme\":\"http\",\"Opaque\":\"\",\"User\":null,\"Host\":\"127.0.0.1:"
                        + http.getAddress().getPort() + "\",\"Path\":\"/responses\",\"RawPath\":\"\",\"RawQuery\":\"x=2\",\"Fragment\":\"\"}"));
                assertThat(c.readText()).isEqualTo(ACK);
                c.send(AcommPeer.request("h3", "acomm.echo", "1", "\"" + base + "/elsewhere\""));
                assertThat(c.read().path("error").asString()).contains("does not start with any --rpc-hook-url-allow prefix");
                // user information would pass a prefix that lacks its final slash while going elsewhere.
                c.send(AcommPeer.request("h4", "acomm.echo", "1", "\"http://localhost@evil.example/responses\""));
                assertThat(c.read().path("error").asString()).isEqualTo("a responsehook with user information is refused");
            }
            Map<String, String[]> byUri = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                String[] post = posts.poll(10, TimeUnit.SECONDS);
                assertThat(post).as("a POST reached the hook").isNotNull();
                byUri.put(post[1], post);
            }
            assertThat(byUri.get("/responses?x=1")[0]).isEqualTo("POST");
            assertThat(byUri.get("/responses?x=1")[2]).isEqualTo("application/json");
            assertThat(byUri.get("/responses?x=1")[3]).isEqualTo("{\"error\":\"\",\"id\":\"h1\",\"result\":\"text\",\"stream_url\":null}");
            assertThat(byUri.get("/responses?x=2")[3]).isEqualTo("{\"error\":\"\",\"id\":\"h2\",\"result\":42,\"stream_url\":null}");
            assertThat(posts).as("nothing was posted for the refused hooks").isEmpty();
        } finally {
            http.stop(0);
        }
    }

    @Test
    void aNativeBackendServesManyAcommRequestsOnOneConnectionAnsweredOnIt() throws Exception {
        start(b -> b);
        try (LineClient backend = new LineClient(sb.port()); AcommPeer c = AcommPeer.unix(socket())) {
            assertThat(backend.request("{\"op\":\"rpc.serve\",\"id\":1,\"pattern\":\"jobs.>\"}", 1).path("op").asString())
                    .isEqualTo("reply");
            for (int i = 1; i <= 3; i++) {
                // No responsehook: the Response comes back on this connection (an extension of acomm).
                c.send(AcommPeer.request("job-" + i, "jobs.square", "{\"n\":" + i + "}", null));
                assertThat(c.readText()).isEqualTo(ACK);
            }
            for (int i = 1; i <= 3; i++) {
                JsonNode call = backend.read();
                assertThat(call.path("op").asString()).isEqualTo("rpc.request");
                int n = call.at("/payload/n").asInt();
                backend.request("{\"op\":\"rpc.respond\",\"id\":" + (10 + i) + ",\"rid\":\"" + call.path("rid").asString()
                        + "\",\"payload\":{\"square\":" + n * n + "}}", 10 + i);
            }
            Map<String, Integer> squares = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                JsonNode r = c.read();
                assertThat(r.path("error").asString()).isEmpty();
                squares.put(r.path("id").asString(), r.at("/result/square").asInt());
            }
            assertThat(squares).containsExactlyInAnyOrderEntriesOf(Map.of("job-1", 1, "job-2", 4, "job-3", 9));

            // The same backend, the Response going to a Unix hook instead.
            try (HookListener hook = HookListener.acking(dir.resolve("jobs-hook.sock"))) {
                c.send(AcommPeer.request("job-4", "jobs.square", "{\"n\":4}", AcommPeer.goUnixUrl(hook.path())));
                assertThat(c.readText()).isEqualTo(ACK);
                JsonNode call = backend.read();
                backend.request("{\"op\":\"rpc.respond\",\"id\":20,\"rid\":\"" + call.path("rid").asString()
                        + "\",\"payload\":{\"square\":16}}", 20);
                assertThat(hook.next(10).toString())
                        .isEqualTo("{\"error\":\"\",\"id\":\"job-4\",\"result\":{\"square\":16},\"stream_url\":null}");
            }
        }
    }

    @Test
    void aTwoMebibyteRequestArrivingInPiecesIsReadWhole() throws Exception {
        start(b -> b.maxFrameBytes(4 << 20));
        String big = "x".repeat(2 << 20);
        byte[] body = AcommPeer.request("big", "acomm.echo", "\"" + big + "\"", null).getBytes(StandardCharsets.UTF_8);
        byte[] frame = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
        try (AcommPeer c = AcommPeer.unix(socket())) {
            // In pieces far smaller than the frame, each flushed on its own: the server's reads come short.
            for (int off = 0; off < frame.length; off += 50_000) {
                c.sendRaw(java.util.Arrays.copyOfRange(frame, off, Math.min(frame.length, off + 50_000)));
            }
            assertThat(c.readText()).isEqualTo(ACK);
            JsonNode r = c.read();
            assertThat(r.path("error").asString()).isEmpty();
            assertThat(r.path("result").asString()).hasSize(2 << 20).isEqualTo(big);
        }
    }

    @Test
    void aHookThatNeverAnswersAndOneThatDoesNotExistAreGivenUpAtTheirDeadlineAndCounted() throws Exception {
        start(b -> b.acommHookTimeoutMs(300));
        try (HookListener silent = new HookListener(dir.resolve("silent.sock"), true, f -> { });
             HookListener good = HookListener.acking(dir.resolve("good.sock"));
             AcommPeer c = AcommPeer.unix(socket())) {
            c.send(AcommPeer.request("s1", "acomm.echo", "1", AcommPeer.goUnixUrl(silent.path())));
            assertThat(c.readText()).isEqualTo(ACK);
            assertThat(silent.next(10).path("id").asString()).as("the silent hook got the Response").isEqualTo("s1");
            await().atMost(WAIT).until(() -> Metrics.value(sb.port(), "switchboard_acomm_hook_deliveries_total{outcome=\"failed\"}") >= 1);
            c.send(AcommPeer.request("s2", "acomm.echo", "2", "\"unix://" + dir.resolve("nobody-listens.sock") + "\""));
            assertThat(c.readText()).isEqualTo(ACK);
            await().atMost(WAIT).until(() -> Metrics.value(sb.port(), "switchboard_acomm_hook_deliveries_total{outcome=\"failed\"}") >= 2);
            assertThat(Metrics.value(sb.port(), "switchboard_acomm_hook_deliveries_owed")).as("nothing is held for them").isZero();
            c.send(AcommPeer.request("s3", "acomm.echo", "3", AcommPeer.goUnixUrl(good.path())));
            assertThat(c.readText()).isEqualTo(ACK);
            assertThat(good.next(10).path("result").asInt()).as("the server still delivers").isEqualTo(3);
            await().atMost(WAIT).until(() -> Metrics.value(sb.port(), "switchboard_acomm_hook_deliveries_total{outcome=\"delivered\"}") >= 1);
        }
    }

    @Test
    void badJsonAndUnusableRequestsAreRefusedInTheirAcknowledgementAndTheConnectionGoesOn() throws Exception {
        start(b -> b);
        try (AcommPeer c = AcommPeer.unix(socket())) {
            c.send(AcommPeer.request("ok1", "acomm.echo", "true", null));
            assertThat(c.readText()).isEqualTo(ACK);
            assertThat(c.read().path("result").asBoolean()).isTrue();

            c.send("{\"id\":\"x\",\"task\":");
            assertThat(c.read().path("error").asString()).startsWith("malformed JSON");
            c.send(AcommPeer.request("t", "bad..name", "1", null));
            assertThat(c.read().path("error").asString()).startsWith("task: ");
            c.send(AcommPeer.request("u", "acomm.echo", "1", "\"unix://relative.sock\""));
            assertThat(c.read().path("error").asString()).contains("three slashes");
            c.send(AcommPeer.request("v", "acomm.echo", "1", "\"ftp://example.com/x\""));
            assertThat(c.read().path("error").asString()).contains("unix:///path, http:// or https://");
            c.send("{\"id\":{\"nested\":1},\"task\":\"acomm.echo\"}");
            assertThat(c.read().path("error").asString()).isEqualTo("id must be a string");
            c.send("{\"id\":7,\"task\":\"acomm.echo\",\"args\":\"numbered\"}");
            assertThat(c.readText()).isEqualTo(ACK);
            assertThat(c.readText()).as("a numeric id is echoed as a number")
                    .isEqualTo("{\"error\":\"\",\"id\":7,\"result\":\"numbered\",\"stream_url\":null}");
            c.send("{\"op\":\"ping\",\"id\":1}");
            assertThat(c.read().path("error").asString()).contains("speaks acomm");

            c.send(AcommPeer.request("ok2", "acomm.echo", "[\"still\",\"here\"]", null));
            assertThat(c.readText()).isEqualTo(ACK);
            assertThat(c.read().path("result").toString()).isEqualTo("[\"still\",\"here\"]");
        }
    }

    @Test
    void aFrameOverTheCapIsRefusedAndItsConnectionClosedWhileOthersAreServed() throws Exception {
        start(b -> b.maxFrameBytes(1024));
        try (AcommPeer big = AcommPeer.tcp(sb.port()); AcommPeer other = AcommPeer.unix(socket())) {
            big.send(AcommPeer.request("a", "acomm.echo", "1", null));
            assertThat(big.readText()).isEqualTo(ACK);
            assertThat(big.read().path("result").asInt()).isEqualTo(1);
            big.sendRaw(ByteBuffer.allocate(4 + 100).putInt(1_000_000).array());
            assertThat(big.read().path("error").asString()).isEqualTo("frame_too_large: a message may be at most 1024 bytes");
            assertThat(big.closedByServer()).isTrue();

            other.send(AcommPeer.request("b", "acomm.echo", "2", null));
            assertThat(other.readText()).isEqualTo(ACK);
            assertThat(other.read().path("result").asInt()).isEqualTo(2);
            assertThat(Metrics.value(sb.port(), "switchboard_limit_hits_total{limit=\"max_frame_bytes\"}")).isEqualTo(1);
        }
    }

    @Test
    void aBackendWrittenForAcommServesCallsAndOnlyItsOwnCallsTakeItsResponses() throws Exception {
        Path backendSocket = dir.resolve("legacy.sock");
        List<JsonNode> acks = new ArrayList<>();
        // acomm's tracker side: take the Request, acknowledge, then send the Response to its hook.
        try (HookListener legacy = new HookListener(backendSocket, false, req -> {
            String hookPath = req.at("/responsehook/Path").asString();
            String response = req.path("task").asString().endsWith(".fail")
                    ? "{\"error\":\"it broke\",\"id\":\"" + req.path("id").asString() + "\",\"result\":null,\"stream_url\":null}"
                    : "{\"error\":\"\",\"id\":\"" + req.path("id").asString() + "\",\"result\":{\"echo\":" + req.path("args")
                    + "},\"stream_url\":null}";
            try (AcommPeer back = AcommPeer.unix(Path.of(hookPath))) {
                back.send(response);
                synchronized (acks) {
                    acks.add(back.read());
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        })) {
            start(b -> b.acommBackend("legacy.>", "unix://" + backendSocket).acommBackend("gone.>", "unix://" + dir.resolve("gone.sock")));
            try (LineClient caller = new LineClient(sb.port())) {
                JsonNode reply = caller.request("{\"op\":\"rpc.call\",\"id\":1,\"name\":\"legacy.add\",\"payload\":{\"a\":1}}", 1);
                assertThat(reply.at("/result/payload").toString()).isEqualTo("{\"echo\":{\"a\":1}}");
                JsonNode request = legacy.next(1);
                assertThat(request.path("task").asString()).isEqualTo("legacy.add");
                assertThat(request.at("/responsehook/Scheme").asString()).isEqualTo("unix");
                assertThat(request.at("/responsehook/Path").asString()).isEqualTo(socket().toAbsolutePath().toString());

                JsonNode failed = caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"legacy.fail\",\"payload\":\"x\"}", 2);
                assertThat(failed.at("/error/code").asString()).isEqualTo("acomm");
                assertThat(failed.at("/error/message").asString()).isEqualTo("it broke");
                assertThat(failed.at("/error/origin").asString()).isEqualTo("application");
                // The caller's reply can come before the backend's thread has read its acknowledgement.
                await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> {
                    synchronized (acks) {
                        assertThat(acks).hasSize(2).allSatisfy(a -> assertThat(a.toString()).isEqualTo(ACK));
                    }
                });

                JsonNode gone = caller.request("{\"op\":\"rpc.call\",\"id\":3,\"name\":\"gone.x\"}", 3);
                assertThat(gone.at("/error/code").asString()).isEqualTo("no_responders");
                assertThat(gone.at("/error/message").asString()).contains("gone.sock");
            }
            // A Response for a call that never went to an acomm backend is refused in its acknowledgement.
            try (AcommPeer stranger = AcommPeer.unix(socket())) {
                stranger.send("{\"error\":\"\",\"id\":\"not-a-call\",\"result\":1,\"stream_url\":null}");
                assertThat(stranger.read().path("error").asString()).startsWith("unknown_request: ");
            }
            try (AcommPeer remote = AcommPeer.tcp(sb.port())) {
                remote.send("{\"error\":\"\",\"id\":\"x\",\"result\":1,\"stream_url\":null}");
                assertThat(remote.read().path("error").asString()).isEqualTo("acomm responses are taken on the Unix socket only");
            }
            assertThat(Metrics.value(sb.port(), "switchboard_acomm_backend_responses_total{outcome=\"matched\"}")).isEqualTo(2);
        }
    }

    @Test
    void withATokenOnlyTheUnixSocketTakesAcommAndAnIdleConnectionIsClosed() throws Exception {
        start(b -> b.authToken("s3cret").heartbeatInterval(Duration.ofMillis(100)));
        try (AcommPeer tcp = AcommPeer.tcp(sb.port()); AcommPeer unix = AcommPeer.unix(socket())) {
            tcp.send(AcommPeer.request("t1", "acomm.echo", "1", null));
            assertThat(tcp.read().path("error").asString()).startsWith("unauthorized: ");
            unix.send(AcommPeer.request("u1", "acomm.echo", "1", null));
            assertThat(unix.readText()).isEqualTo(ACK);
            assertThat(unix.read().path("result").asInt()).isEqualTo(1);
            // Nothing sent and nothing owed for three heartbeat intervals: the server closes it.
            assertThat(CompletableFuture.supplyAsync(unix::closedByServer).get(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void anAcommBackendIsRefusedWithoutAUnixSocketOrOnTheNodesOwnSocket() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Switchboard.builder().port(0)
                        .acommBackend("legacy.>", "unix:///tmp/legacy.sock").build())
                .hasMessageContaining("--acomm-backend needs --unix-socket");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Switchboard.builder().port(0).unixSocket(socket())
                        .acommBackend("legacy.>", "unix://" + socket().toAbsolutePath()).build())
                .hasMessageContaining("must not be the node's own --unix-socket");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Switchboard.builder().acommBackend("legacy.>", "unix://relative.sock"))
                .hasMessageContaining("unix:///absolute/path");
    }

    @Test
    void aDrainRefusesNewAcommRequestsAndTheHooksOfCallsStillInFlightHearShuttingDown() throws Exception {
        start(b -> b.onRequest("acomm.hang", ctx -> new CompletableFuture<>()));
        try (HookListener hook = HookListener.acking(dir.resolve("hook.sock")); AcommPeer c = AcommPeer.unix(socket())) {
            c.send(AcommPeer.request("d1", "acomm.hang", "null", AcommPeer.goUnixUrl(hook.path())));
            assertThat(c.readText()).isEqualTo(ACK);
            sb.drain();
            c.send(AcommPeer.request("d2", "acomm.echo", "1", AcommPeer.goUnixUrl(hook.path())));
            assertThat(c.read().path("error").asString()).startsWith("shutting_down: ");
            long closing = System.nanoTime();
            sb.close();
            assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("the stop waited for the call, up to --shutdown-timeout")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(900));
            JsonNode r = hook.next(10);
            assertThat(r.path("id").asString()).isEqualTo("d1");
            assertThat(r.path("error").asString()).startsWith("shutting_down: ");
            assertThat(hook.waiting()).as("nothing for the refused request").isZero();
        }
    }

    @Test
    void anAcommBackendThatNeverAcknowledgesFailsItsCallNoRespondersAtTheDeadline() throws Exception {
        try (HookListener mute = new HookListener(dir.resolve("mute.sock"), true, f -> { })) {
            start(b -> b.acommHookTimeoutMs(300).acommBackend("mute.>", "unix://" + mute.path()));
            try (LineClient caller = new LineClient(sb.port())) {
                JsonNode r = caller.request("{\"op\":\"rpc.call\",\"id\":1,\"name\":\"mute.x\",\"payload\":7}", 1);
                assertThat(r.at("/error/code").asString()).isEqualTo("no_responders");
                assertThat(r.at("/error/message").asString()).contains("no acknowledgement").contains("300 ms");
                assertThat(mute.next(1).path("args").asInt()).isEqualTo(7);
            }
        }
    }

    /** Reads one series from the node's scrape. */
    static final class Metrics {
        static double value(int port, String series) throws IOException {
            String scrape;
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                scrape = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            for (String line : scrape.split("\n")) {
                if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
            throw new AssertionError("no series " + series + " in the scrape");
        }
    }
}
