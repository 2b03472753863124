package dev.switchboard.server.nativeproto;

import static dev.switchboard.server.nativeproto.RequestManyTest.assertError;
import static dev.switchboard.server.nativeproto.RequestManyTest.respond;
import static dev.switchboard.server.nativeproto.RequestManyTest.serve;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.rpc.RpcResult;
import dev.switchboard.protocol.Payload;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Streams ({@code rpc.call} with {@code stream:true}): chunks reach the caller in order as
 * {@code rpc.chunk} events and the final answer ends the stream; a caller that reads slowly holds
 * its backend back (a chunk is answered once the caller's connection wrote it, at most the window
 * unanswered); an error ends a stream; a caller that goes ends it; an in-process handler streams;
 * an HTTP caller reads the chunks on its event stream.
 */
class StreamTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final int WINDOW = 16;

    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.onRequest("stream.inproc", ctx -> {
        if (!ctx.streaming()) return CompletableFuture.completedFuture(RpcResult.ok(Payload.ofUtf8("no stream asked")));
        CompletionStage<Void> sent = CompletableFuture.completedFuture(null);
        for (int i = 0; i < 3; i++) {
            int n = i;
            sent = sent.thenCompose(v -> ctx.stream().send(Payload.ofUtf8("part " + n)));
        }
        return sent.thenApply(v -> RpcResult.ok(Payload.ofUtf8("end")));
    }));

    private static String unique(String prefix) {
        return prefix + "." + NAMES.incrementAndGet();
    }

    @Test
    void aThousandChunksArriveInOrderAndASlowReaderHoldsTheBackendBack() throws Exception {
        String svc = unique("export");
        int chunks = 1000;
        String filler = "x".repeat(16 * 1024);
        double chunksBefore = metric("switchboard_rpc_stream_chunks_total");
        try (NativeConn backend = SERVER.open("tcp"); Socket caller = new Socket()) {
            backend.hello(null);
            serve(backend, svc, null);
            // A small receive buffer, so that a caller that does not read fills up soon.
            caller.setReceiveBufferSize(32 * 1024);
            caller.connect(new InetSocketAddress("127.0.0.1", SERVER.port()), 5000);
            caller.setSoTimeout(10_000);
            OutputStream out = caller.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(caller.getInputStream(), StandardCharsets.UTF_8));
            out.write("{\"op\":\"hello\",\"id\":1,\"version\":1}\n".getBytes(StandardCharsets.UTF_8));
            assertThat(NativeClient.JSON.readTree(in.readLine()).path("op").asString()).isEqualTo("welcome");
            out.write(("{\"op\":\"rpc.call\",\"id\":\"export-1\",\"name\":\"" + svc + "\",\"stream\":true,\"timeout_ms\":60000}\n")
                    .getBytes(StandardCharsets.UTF_8));
            JsonNode request = backend.nextEvent();
            assertThat(request.path("stream").asBoolean()).isTrue();
            String rid = request.path("rid").asString();

            // The backend keeps the window full: the next chunk goes once an earlier one is answered.
            AtomicInteger answered = new AtomicInteger();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try {
                    for (int i = 0; i < chunks + WINDOW; i++) {
                        if (i >= WINDOW) {
                            JsonNode answer = backend.reply(10_000 + i - WINDOW);
                            assertThat(answer.path("op").asString()).as("%s", answer).isEqualTo("reply");
                            answered.incrementAndGet();
                        }
                        if (i < chunks) backend.send(chunk(10_000 + i, rid, i + ":" + filler));
                    }
                    respond(backend, 2, rid, "\"payload\":{\"rows\":" + chunks + "}");
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "stream-producer");
            producer.start();

            // The caller reads nothing: the backend is held back well before the end.
            AtomicInteger last = new AtomicInteger(-1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                    .until(() -> last.getAndSet(answered.get()) == answered.get() && answered.get() > 0);
            int heldAt = answered.get();
            assertThat(heldAt).as("answers stop while the caller does not read").isLessThan(chunks);
            assertThat(failed.get()).isNull();

            // The caller reads: every chunk, in order, then the final answer.
            int next = 0;
            JsonNode reply = null;
            while (reply == null) {
                JsonNode m = NativeClient.JSON.readTree(in.readLine());
                switch (m.path("op").asString()) {
                    case "rpc.chunk" -> {
                        assertThat(m.path("index").asInt()).isEqualTo(next);
                        assertThat(m.path("call").asString()).isEqualTo("export-1");
                        assertThat(m.path("rid").asString()).isEqualTo(rid);
                        assertThat(m.path("payload").asString()).startsWith(next + ":");
                        next++;
                    }
                    case "reply", "error" -> reply = m;
                    default -> { } // a ping
                }
            }
            assertThat(next).isEqualTo(chunks);
            assertThat(reply.at("/result/payload/rows").asInt()).as("%s", reply).isEqualTo(chunks);
            producer.join(10_000);
            assertThat(failed.get()).isNull();
            assertThat(answered.get()).isEqualTo(chunks);
            assertThat(metric("switchboard_rpc_stream_chunks_total") - chunksBefore).as("every chunk counted as written")
                    .isGreaterThanOrEqualTo(chunks);
        }
    }

    @Test
    void anHttpCallerReadsTheChunksByPollAndTheWindowBoundsWhatWaitsForIt() throws Exception {
        try (HttpStreamingCall c = HttpStreamingCall.start(unique("report"), 30000)) {
            HttpSessionClient caller = c.caller();
            NativeConn backend = c.backend();
            CompletableFuture<HttpSessionClient.Resp> call = c.call();
            String rid = c.rid();
            for (int i = 0; i < WINDOW; i++) backend.send(chunk(100 + i, rid, "row " + i));
            // Nobody polled: none of them is taken, and one more is past the window.
            assertError(backend.request(chunk(200, rid, "one too many"), 200), "too_many_requests", "--rpc-stream-window");

            JsonNode events = caller.poll(0, 5000).json().path("events");
            assertThat(events.size()).isEqualTo(WINDOW);
            for (int i = 0; i < WINDOW; i++) {
                assertThat(events.get(i).path("op").asString()).isEqualTo("rpc.chunk");
                assertThat(events.get(i).path("index").asInt()).isEqualTo(i);
                assertThat(events.get(i).path("payload").asString()).isEqualTo("row " + i);
            }
            // The poll took them: each is answered now.
            for (int i = 0; i < WINDOW; i++) assertThat(backend.reply(100 + i).path("op").asString()).isEqualTo("reply");
            respond(backend, 300, rid, "\"payload\":\"all rows\"");
            HttpSessionClient.Resp r = call.get(10, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("payload").asString()).isEqualTo("all rows");
        }
    }

    @Test
    void aStreamIsReadableAtItsUrlWithTheCallersKey() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        try (HttpStreamingCall c = HttpStreamingCall.start(unique("download"), 30000)) {
            HttpSessionClient caller = c.caller();
            NativeConn backend = c.backend();
            CompletableFuture<HttpSessionClient.Resp> call = c.call();
            String rid = c.rid();
            backend.send(chunk(1, rid, "part a"));
            backend.send(chunk(2, rid, "part b"));
            String url = "http://127.0.0.1:" + SERVER.port() + "/api/v1/streams/" + rid;

            java.net.http.HttpResponse<String> wrongKey = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .header("X-Switchboard-Key", "not-the-key").timeout(Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(wrongKey.statusCode()).isEqualTo(404);
            assertThat(wrongKey.body()).contains("unknown_request");

            java.net.http.HttpResponse<java.util.stream.Stream<String>> read = http.send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create(url)).header("X-Switchboard-Key", caller.key).timeout(Duration.ofSeconds(20))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofLines());
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.headers().firstValue("content-type")).hasValue("application/x-ndjson");
            java.util.Iterator<String> lines = read.body().iterator();
            // The chunks sent before the reader came (nobody had taken them), then the next ones as they come.
            assertThat(NativeClient.JSON.readTree(lines.next()).path("payload").asString()).isEqualTo("part a");
            JsonNode second = NativeClient.JSON.readTree(lines.next());
            assertThat(second.path("index").asInt()).isEqualTo(1);
            assertThat(second.path("payload").asString()).isEqualTo("part b");
            assertThat(backend.reply(1).path("op").asString()).as("taken once written at the URL").isEqualTo("reply");
            assertThat(backend.reply(2).path("op").asString()).isEqualTo("reply");
            assertThat(backend.request(chunk(3, rid, "part c"), 3).path("op").asString()).isEqualTo("reply");
            assertThat(NativeClient.JSON.readTree(lines.next()).path("index").asInt()).isEqualTo(2);
            respond(backend, 4, rid, "\"payload\":{\"parts\":3}");
            assertThat(NativeClient.JSON.readTree(lines.next()).at("/result/payload/parts").asInt()).isEqualTo(3);
            assertThat(lines.hasNext()).as("the outcome is the last line").isFalse();
            assertThat(call.get(10, TimeUnit.SECONDS).json().at("/payload/parts").asInt()).isEqualTo(3);

            java.net.http.HttpResponse<String> ended = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .header("X-Switchboard-Key", caller.key).timeout(Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ended.statusCode()).as("an ended stream is no longer kept").isEqualTo(404);
        }
    }

    @Test
    void aChunkNobodyReadsByTheDeadlineIsAnsweredSlowConsumer() throws Exception {
        try (HttpStreamingCall c = HttpStreamingCall.start(unique("unread"), 300)) {
            HttpSessionClient caller = c.caller();
            NativeConn backend = c.backend();
            CompletableFuture<HttpSessionClient.Resp> call = c.call();
            String rid = c.rid();
            // The caller neither polls nor streams: the chunk waits, and the deadline ends it.
            assertError(backend.request(chunk(1, rid, "unread"), 1), "slow_consumer", "deadline");
            HttpSessionClient.Resp r = call.get(10, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(504);
            assertThat(r.json().path("code").asString()).isEqualTo("timeout");
        }
    }

    @Test
    void anErrorEndsAStreamAfterItsChunks() throws Exception {
        String svc = unique("feed");
        try (NativeConn backend = SERVER.open("unix"); NativeConn caller = SERVER.open("websocket")) {
            backend.hello(null);
            caller.hello(null);
            serve(backend, svc, null);
            caller.send("{\"op\":\"rpc.call\",\"id\":9,\"name\":\"" + svc + "\",\"stream\":true}");
            String rid = backend.nextEvent().path("rid").asString();
            assertThat(backend.request(chunk(1, rid, "a"), 1).path("op").asString()).isEqualTo("reply");
            assertThat(backend.request(chunk(2, rid, "b"), 2).path("op").asString()).isEqualTo("reply");
            respond(backend, 3, rid, "\"error\":{\"code\":\"source_broken\",\"message\":\"the feed broke\"}");
            assertThat(caller.nextEvent().path("payload").asString()).isEqualTo("a");
            JsonNode second = caller.nextEvent();
            assertThat(second.path("payload").asString()).isEqualTo("b");
            assertThat(second.path("index").asInt()).isEqualTo(1);
            assertThat(second.path("call").asInt()).isEqualTo(9);
            JsonNode end = caller.reply(9);
            assertThat(end.at("/error/code").asString()).isEqualTo("source_broken");
            assertThat(end.at("/error/origin").asString()).isEqualTo("application");
            // The stream has ended: a chunk after it is refused.
            assertError(backend.request(chunk(4, rid, "c"), 4), "unknown_request", rid);
        }
    }

    @Test
    void whenTheCallerGoesTheBackendsNextChunkIsRefused() throws Exception {
        String svc = unique("tail");
        try (NativeConn backend = SERVER.open("tcp")) {
            backend.hello(null);
            serve(backend, svc, null);
            NativeConn caller = SERVER.open("tcp");
            caller.hello(null);
            caller.send("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"" + svc + "\",\"stream\":true}");
            String rid = backend.nextEvent().path("rid").asString();
            assertThat(backend.request(chunk(1, rid, "first"), 1).path("op").asString()).isEqualTo("reply");
            caller.close();
            AtomicInteger id = new AtomicInteger(10);
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                int n = id.incrementAndGet();
                return "unknown_request".equals(backend.request(chunk(n, rid, "more"), n).at("/error/code").asString());
            });
            // And the backend is not stuck: it serves the next call.
            assertThat(backend.request("{\"op\":\"ping\",\"id\":99}", 99).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void aStreamIsNotRetriedOnAnotherMemberEvenWhenIdempotent() throws Exception {
        String svc = unique("replica");
        try (NativeConn first = SERVER.open("tcp"); NativeConn second = SERVER.open("tcp"); NativeConn caller = SERVER.open("tcp")) {
            first.hello(null);
            second.hello(null);
            caller.hello(null);
            serve(first, svc, "replicas");
            caller.send("{\"op\":\"rpc.call\",\"id\":1,\"name\":\"" + svc + "\",\"stream\":true,\"idempotent\":true}");
            String rid = first.nextEvent().path("rid").asString();
            assertThat(first.request(chunk(2, rid, "from the first"), 2).path("op").asString()).isEqualTo("reply");
            serve(second, svc, "replicas");
            first.close();
            assertThat(caller.nextEvent().path("payload").asString()).isEqualTo("from the first");
            assertError(caller.reply(1), "disconnected", "went away");
        }
    }

    @Test
    void anInProcessHandlerStreamsAndOnlyWhenAsked() throws Exception {
        try (NativeConn caller = SERVER.open("websocket")) {
            caller.hello(null);
            caller.send("{\"op\":\"rpc.call\",\"id\":1,\"name\":\"stream.inproc\",\"stream\":true}");
            for (int i = 0; i < 3; i++) {
                JsonNode chunk = caller.nextEvent();
                assertThat(chunk.path("op").asString()).isEqualTo("rpc.chunk");
                assertThat(chunk.path("index").asInt()).isEqualTo(i);
                assertThat(chunk.path("payload").asString()).isEqualTo("part " + i);
            }
            assertThat(caller.reply(1).at("/result/payload").asString()).isEqualTo("end");
            assertThat(caller.request("{\"op\":\"rpc.call\",\"id\":2,\"name\":\"stream.inproc\"}", 2)
                    .at("/result/payload").asString()).isEqualTo("no stream asked");
        }
    }

    /** An HTTP session's streaming call to a backend on TCP, in flight at the backend. */
    private record HttpStreamingCall(HttpSessionClient caller, NativeConn backend,
                                     CompletableFuture<HttpSessionClient.Resp> call, String rid) implements AutoCloseable {
        static HttpStreamingCall start(String svc, long timeoutMs) throws Exception {
            HttpSessionClient caller = HttpSessionClient.create(SERVER.port());
            NativeConn backend = SERVER.open("tcp");
            backend.hello(null);
            serve(backend, svc, null);
            CompletableFuture<HttpSessionClient.Resp> call = caller.opAsync("rpc.call",
                    "{\"name\":\"" + svc + "\",\"stream\":true,\"timeout_ms\":" + timeoutMs + "}", Duration.ofSeconds(40));
            return new HttpStreamingCall(caller, backend, call, backend.nextEvent().path("rid").asString());
        }

        @Override
        public void close() throws Exception {
            backend.close();
            caller.delete();
        }
    }

    /** A counter without labels, from the server's scrape. */
    private static double metric(String series) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + SERVER.port() + "/metrics")).timeout(Duration.ofSeconds(5))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
        }
        throw new AssertionError(series + " is not in the scrape");
    }

    private static String chunk(int id, String rid, String text) {
        return "{\"op\":\"rpc.chunk\",\"id\":" + id + ",\"rid\":\"" + rid + "\",\"payload\":\"" + text + "\"}";
    }
}
