package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import tools.jackson.databind.JsonNode;

/**
 * A native session addressed over HTTP with its id and key — one created by
 * {@code POST /api/v1/sessions}, or one opened on a native connection and reached here with its
 * resume key: operations, the SSE stream and long-polls, every call bounded.
 */
public final class HttpSessionClient {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();

    final String session;
    final String key;
    private final String base;

    private HttpSessionClient(int port, String session, String key) {
        this.base = "http://127.0.0.1:" + port + "/api/v1/sessions/";
        this.session = session;
        this.key = key;
    }

    /** The session {@code session} with its key {@code key}, whichever transport opened it. */
    static HttpSessionClient of(int port, String session, String key) {
        return new HttpSessionClient(port, session, key);
    }

    /** {@code POST /api/v1/sessions}: a new native HTTP session. */
    public static HttpSessionClient create(int port) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/sessions"))
                .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("POST /api/v1/sessions -> " + r.body()).isEqualTo(201);
        JsonNode created = NativeClient.JSON.readTree(r.body());
        return new HttpSessionClient(port, created.path("session").asString(), created.path("resume_key").asString());
    }

    /** What came back: the status and the body. */
    public record Resp(String request, int status, String body) {
        public JsonNode json() {
            return NativeClient.JSON.readTree(body);
        }

        @Override
        public String toString() {
            return request + " -> " + status + " " + body;
        }
    }

    /** {@code POST …/ops/{op}} with {@code fields} (a JSON object) as its body. */
    Resp op(String op, String fields) throws Exception {
        return opAsync(op, fields, TIMEOUT).get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    /** The 200 result of an operation. */
    JsonNode ok(String op, String fields) throws Exception {
        Resp r = op(op, fields);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    /** An operation that may wait; the client gives up after {@code timeout}. */
    public CompletableFuture<Resp> opAsync(String op, String fields, Duration timeout) {
        String what = "POST …/ops/" + op + " " + fields;
        return CLIENT.sendAsync(request("/ops/" + op).timeout(timeout).POST(HttpRequest.BodyPublishers.ofString(fields)).build(),
                HttpResponse.BodyHandlers.ofString()).thenApply(r -> new Resp(what, r.statusCode(), r.body()));
    }

    /** {@code GET …/poll?after=…&timeout_ms=…}. */
    public Resp poll(long after, long timeoutMs) throws Exception {
        HttpResponse<String> r = CLIENT.send(request("/poll?after=" + after + "&timeout_ms=" + timeoutMs)
                .timeout(Duration.ofMillis(timeoutMs).plus(TIMEOUT)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Resp("GET …/poll?after=" + after, r.statusCode(), r.body());
    }

    /** {@code DELETE /api/v1/sessions/{session}}. */
    public Resp delete() throws Exception {
        HttpResponse<String> r = CLIENT.send(request("").timeout(TIMEOUT).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        return new Resp("DELETE", r.statusCode(), r.body());
    }

    /** Opens {@code GET …/events}, with {@code Last-Event-ID} when not null. */
    EventStream events(String lastEventId) throws Exception {
        HttpRequest.Builder b = request("/events").GET();
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        HttpResponse<InputStream> r = CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofInputStream())
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(r.statusCode()).as("GET …/events").isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        return new EventStream(r.body());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + session + path)).header("X-Switchboard-Key", key);
    }

    /** One event of an SSE stream: its {@code id:} (null when absent), {@code event:} and {@code data:} as JSON. */
    record SseEvent(String id, String event, JsonNode data) {
    }

    /** An open SSE stream, read by a thread of its own into a queue of events. */
    static final class EventStream implements AutoCloseable {
        private final InputStream body;
        private final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();

        EventStream(InputStream body) {
            this.body = body;
            Thread reader = new Thread(this::readLoop, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void readLoop() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String id = null;
                String event = null;
                String data = null;
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("id: ")) id = line.substring(4);
                    else if (line.startsWith("event: ")) event = line.substring(7);
                    else if (line.startsWith("data: ")) data = line.substring(6);
                    else if (line.isEmpty()) {
                        if (data != null) events.add(new SseEvent(id, event, NativeClient.JSON.readTree(data)));
                        id = null;
                        event = null;
                        data = null;
                    }
                }
            } catch (IOException ignored) {
                // the stream ends with the session, or is closed by the test
            }
        }

        /** The next event within 5 s. */
        SseEvent next() throws InterruptedException {
            SseEvent e = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) throw new AssertionError("no SSE event within " + TIMEOUT);
            return e;
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
