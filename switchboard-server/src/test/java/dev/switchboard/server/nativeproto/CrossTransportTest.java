package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The same session seen through every native pipe: lock contention with a dflockd peer, a signal
 * arriving, and the session's end, with the same outcome on TCP lines, TCP frames, WebSocket,
 * HTTP with Server-Sent Events and HTTP with long-poll.
 */
class CrossTransportTest {
    private static Switchboard sb;

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stop() {
        sb.close();
    }

    /** What the scenario needs of a transport. */
    interface Pipe extends AutoCloseable {
        /** Sends a request and waits for its answer: the reply's result, or the error object. */
        JsonNode call(String op, String fieldsJson) throws Exception;

        /** The next event the session receives. */
        JsonNode nextEvent() throws Exception;

        /** Ends the session as a client of this transport would. */
        void endSession() throws Exception;

        @Override
        default void close() throws java.io.IOException {
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp-lines", "tcp-frames", "websocket", "http-sse", "http-poll"})
    void contentionSignalAndSessionEndBehaveAlike(String transport) throws Exception {
        String key = "cross-" + transport;
        String channel = "room-" + transport;
        try (Peer peer = new Peer(sb.port()); Pipe pipe = open(transport)) {
            String peerToken = peer.call("l\n" + key + "\n5\n").split(" ")[1];

            CompletableFuture<JsonNode> grant = CompletableFuture.supplyAsync(() -> call(pipe, "lock.acquire",
                    "{\"key\":\"" + key + "\",\"timeout_ms\":5000}"));
            awaitWaiters(peer, key, 1);
            assertThat(peer.call("r\n" + key + "\n" + peerToken + "\n")).isEqualTo("ok");
            JsonNode granted = grant.get(5, TimeUnit.SECONDS);
            assertThat(granted.path("status").asString()).isEqualTo("acquired");
            assertThat(granted.path("token").asString()).isGreaterThan(peerToken);

            assertThat(pipe.call("signal.listen", "{\"pattern\":\"" + channel + ".*\"}").isObject()).isTrue();
            assertThat(peer.call("signal\n" + channel + ".1\nhello " + transport + "\n")).isEqualTo("ok 1");
            JsonNode event = pipe.nextEvent();
            assertThat(event.path("op").asString()).isEqualTo("signal");
            assertThat(event.path("channel").asString()).isEqualTo(channel + ".1");
            assertThat(event.path("payload").asString()).isEqualTo("hello " + transport);
            assertThat(event.path("seq").asLong()).isPositive();

            JsonNode error = pipe.call("lock.release", "{\"key\":\"" + key + "\",\"token\":\"" + peerToken + "\"}");
            assertThat(error.path("code").asString()).isEqualTo("not_held");

            pipe.endSession();
            // The session's lock and subscription are gone with it.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            String retry;
            do {
                retry = peer.call("l\n" + key + "\n0\n");
            } while (retry.equals("timeout") && System.nanoTime() < deadline);
            assertThat(retry).matches("ok [0-9a-f]{32} 33");
            assertThat(peer.call("signal\n" + channel + ".1\nanyone\n")).isEqualTo("ok 0");
        }
    }

    private static JsonNode call(Pipe pipe, String op, String fields) {
        try {
            return pipe.call(op, fields);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitWaiters(Peer peer, String key, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            JsonNode stats = NativeClient.JSON.readTree(peer.call("stats\n_\n_\n").substring(3));
            for (JsonNode l : stats.path("locks")) {
                if (l.path("key").asString().equals(key) && l.path("waiters").asInt() == n) return;
            }
            assertThat(System.nanoTime()).as("waiters on " + key).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static Pipe open(String transport) throws Exception {
        return switch (transport) {
            case "tcp-lines", "tcp-frames", "websocket" -> {
                SessionResumeTest.Conn c = SessionResumeTest.open(transport.equals("tcp-lines") ? "tcp"
                        : transport.equals("tcp-frames") ? "tcp-frames" : "websocket", sb.port());
                c.send("{\"op\":\"hello\",\"id\":0,\"version\":1}");
                c.read();
                yield new ConnectionPipe(c);
            }
            case "http-sse" -> new HttpPipe(sb.port(), true);
            case "http-poll" -> new HttpPipe(sb.port(), false);
            default -> throw new IllegalArgumentException(transport);
        };
    }

    /** Unwraps a native answer to its result, or to its error object. */
    private static JsonNode unwrap(JsonNode answer) {
        return answer.path("op").asString().equals("error") ? answer.path("error") : answer.path("result");
    }

    /** A pipe over one native connection (TCP or WebSocket): answers matched by id, events queued. */
    private static final class ConnectionPipe implements Pipe {
        private final SessionResumeTest.Conn c;
        private final AtomicInteger ids = new AtomicInteger(100);
        private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();

        ConnectionPipe(SessionResumeTest.Conn c) {
            this.c = c;
        }

        @Override
        public synchronized JsonNode call(String op, String fields) throws Exception {
            int id = ids.incrementAndGet();
            c.send("{\"op\":\"" + op + "\",\"id\":" + id + (fields.equals("{}") ? "}" : "," + fields.substring(1)));
            while (true) {
                JsonNode m = c.read();
                if (m.path("id").asInt(-1) == id) return unwrap(m);
                if (!m.has("id")) events.add(m);
            }
        }

        @Override
        public JsonNode nextEvent() throws Exception {
            JsonNode e = events.poll();
            return e != null ? e : c.read();
        }

        @Override
        public void endSession() throws Exception {
            assertThat(call("session.close", "{}").isObject()).isTrue();
            c.close();
        }

        @Override
        public void close() throws java.io.IOException {
            c.close();
        }
    }

    private static final class HttpPipe implements Pipe {
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final String base;
        private final String session;
        private final String key;
        private final boolean sse;
        private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        private InputStream stream;
        private long cursor;

        HttpPipe(int port, boolean sse) throws Exception {
            this.base = "http://127.0.0.1:" + port + "/api/v1";
            this.sse = sse;
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/sessions"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);
            JsonNode createdBody = NativeClient.JSON.readTree(created.body());
            this.session = createdBody.path("session").asString();
            this.key = createdBody.path("resume_key").asString();
            if (sse) openStream();
        }

        private void openStream() throws Exception {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + session + "/events"))
                    .header("X-Switchboard-Key", key).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
            stream = r.body();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String id = null;
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("id: ")) id = line.substring(4);
                        if (line.startsWith("data: ")) {
                            JsonNode data = NativeClient.JSON.readTree(line.substring(6));
                            assertThat(id).isEqualTo(data.path("seq").asString());
                            events.add(data);
                        }
                    }
                } catch (Exception ignored) {
                    // the stream ends with the session
                }
            }, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        @Override
        public JsonNode call(String op, String fields) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + session + "/ops/" + op))
                    .header("X-Switchboard-Key", key).POST(HttpRequest.BodyPublishers.ofString(fields)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return NativeClient.JSON.readTree(r.body());
        }

        @Override
        public JsonNode nextEvent() throws Exception {
            if (sse) {
                JsonNode e = events.poll(5, TimeUnit.SECONDS);
                assertThat(e).as("an SSE event within 5 s").isNotNull();
                return e;
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + session
                    + "/poll?after=" + cursor + "&timeout_ms=5000")).header("X-Switchboard-Key", key).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("a polled event within 5 s").isEqualTo(200);
            JsonNode body = NativeClient.JSON.readTree(r.body());
            cursor = body.path("last_seq").asLong();
            return body.path("events").get(0);
        }

        @Override
        public void endSession() throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/sessions/" + session))
                    .header("X-Switchboard-Key", key).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(204);
        }

        @Override
        public void close() throws java.io.IOException {
            if (stream != null) stream.close();
        }
    }

    /** A dflockd line-protocol client: the other party of the scenario. */
    private static final class Peer implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;

        Peer(int port) throws Exception {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        String call(String request) throws Exception {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return in.readLine();
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }
}
