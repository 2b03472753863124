package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The same session seen through every pipe: lock contention with a dflockd peer, a signal
 * arriving, and the session's end, with the same outcome on TCP lines, TCP frames, the Unix
 * socket, WebSocket, HTTP with Server-Sent Events, HTTP with long-poll — and the dflockd line
 * protocol, whose answers the pipe reads into the native shapes (its events carry no {@code seq}).
 */
class CrossTransportTest {
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass();

    /** What the scenario needs of a transport. */
    interface Pipe extends AutoCloseable {
        /** Sends a request and waits for its answer: the reply's result, or the error object. */
        JsonNode call(String op, String fieldsJson) throws Exception;

        /** The next event the session receives. */
        JsonNode nextEvent() throws Exception;

        /** Whether events carry the session's sequence number (every native transport; not dflockd). */
        default boolean numbersEvents() {
            return true;
        }

        /** Ends the session as a client of this transport would. */
        void endSession() throws Exception;

        @Override
        default void close() throws IOException {
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp-lines", "tcp-frames", "unix", "websocket", "http-sse", "http-poll", "dflockd-lines"})
    void contentionSignalAndSessionEndBehaveAlike(String transport) throws Exception {
        String key = "cross-" + transport;
        String channel = "room-" + transport;
        try (DflockdLines peer = new DflockdLines(SERVER.port()); Pipe pipe = open(transport)) {
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
            if (pipe.numbersEvents()) assertThat(event.path("seq").asLong()).isPositive();

            JsonNode error = pipe.call("lock.release", "{\"key\":\"" + key + "\",\"token\":\"" + peerToken + "\"}");
            assertThat(error.path("code").asString()).isEqualTo("not_held");

            pipe.endSession();
            // The session's lock and subscription are gone with it.
            String retry = Awaitility.await("the lock is free").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> peer.call("l\n" + key + "\n0\n"), answer -> !answer.equals("timeout"));
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

    private static void awaitWaiters(DflockdLines peer, String key, int n) {
        Awaitility.await(key + " has " + n + " waiter(s)").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    JsonNode stats = NativeClient.JSON.readTree(peer.call("stats\n_\n_\n").substring(3));
                    for (JsonNode l : stats.path("locks")) {
                        if (l.path("key").asString().equals(key) && l.path("waiters").asInt() == n) return true;
                    }
                    return false;
                });
    }

    private static Pipe open(String transport) throws Exception {
        return switch (transport) {
            case "tcp-lines", "tcp-frames", "unix", "websocket" -> {
                NativeConn c = SERVER.open(transport.equals("tcp-lines") ? "tcp" : transport);
                c.hello(null);
                yield new ConnectionPipe(c);
            }
            case "http-sse" -> new HttpPipe(HttpSessionClient.create(SERVER.port()), true);
            case "http-poll" -> new HttpPipe(HttpSessionClient.create(SERVER.port()), false);
            case "dflockd-lines" -> new DflockdPipe(new DflockdLines(SERVER.port()));
            default -> throw new IllegalArgumentException(transport);
        };
    }

    /** Unwraps a native answer to its result, or to its error object. */
    private static JsonNode unwrap(JsonNode answer) {
        return answer.path("op").asString().equals("error") ? answer.path("error") : answer.path("result");
    }

    /** A pipe over one native connection (TCP, Unix socket or WebSocket): answers matched by id, events kept. */
    private static final class ConnectionPipe implements Pipe {
        private final NativeConn c;
        private final AtomicInteger ids = new AtomicInteger(100);

        ConnectionPipe(NativeConn c) {
            this.c = c;
        }

        @Override
        public JsonNode call(String op, String fields) throws Exception {
            int id = ids.incrementAndGet();
            return unwrap(c.request("{\"op\":\"" + op + "\",\"id\":" + id + (fields.equals("{}") ? "}" : "," + fields.substring(1)), id));
        }

        @Override
        public JsonNode nextEvent() throws Exception {
            return c.nextEvent();
        }

        @Override
        public void endSession() throws Exception {
            assertThat(call("session.close", "{}").isObject()).isTrue();
            c.close();
        }

        @Override
        public void close() throws IOException {
            c.close();
        }
    }

    /** A pipe over the native HTTP API: one request per operation, events from an SSE stream or long-polls. */
    private static final class HttpPipe implements Pipe {
        private final HttpSessionClient s;
        private final HttpSessionClient.EventStream stream;
        private long cursor;

        HttpPipe(HttpSessionClient s, boolean sse) throws Exception {
            this.s = s;
            this.stream = sse ? s.events(null) : null;
        }

        @Override
        public JsonNode call(String op, String fields) throws Exception {
            return s.opAsync(op, fields, Duration.ofSeconds(10)).get(11, TimeUnit.SECONDS).json();
        }

        @Override
        public JsonNode nextEvent() throws Exception {
            if (stream != null) {
                HttpSessionClient.SseEvent e = stream.next();
                assertThat(e.id()).isEqualTo(e.data().path("seq").asString());
                return e.data();
            }
            HttpSessionClient.Resp r = s.poll(cursor, 5000);
            assertThat(r.status()).as("a polled event within 5 s: " + r).isEqualTo(200);
            cursor = r.json().path("last_seq").asLong();
            return r.json().path("events").get(0);
        }

        @Override
        public void endSession() throws Exception {
            assertThat(s.delete().status()).isEqualTo(204);
        }

        @Override
        public void close() throws IOException {
            if (stream != null) stream.close();
        }
    }

    /**
     * A pipe over the dflockd line protocol, whose session is its connection. It speaks the three
     * operations of the scenario and reads the answers into the native shapes: {@code ok <token>
     * <lease>} is a grant, {@code timeout} a timeout; a release answered {@code error} (the token
     * is not in the holder set) is {@code not_held}; a {@code sig <channel> <payload>} push is a
     * signal event.
     */
    private static final class DflockdPipe implements Pipe {
        private final DflockdLines c;

        DflockdPipe(DflockdLines c) {
            this.c = c;
        }

        @Override
        public synchronized JsonNode call(String op, String fieldsJson) throws Exception {
            JsonNode f = NativeClient.JSON.readTree(fieldsJson);
            ObjectNode out = NativeClient.JSON.createObjectNode();
            switch (op) {
                case "lock.acquire" -> {
                    String[] answer = c.call("l\n" + f.path("key").asString() + "\n" + f.path("timeout_ms").asLong() / 1000 + "\n").split(" ");
                    out.put("status", answer[0].equals("ok") ? "acquired" : answer[0]);
                    if (answer.length > 1) out.put("token", answer[1]);
                }
                case "signal.listen" -> assertThat(c.call("listen\n" + f.path("pattern").asString() + "\n\n")).isEqualTo("ok");
                case "lock.release" -> {
                    String answer = c.call("r\n" + f.path("key").asString() + "\n" + f.path("token").asString() + "\n");
                    if (answer.equals("error")) out.put("code", "not_held");
                    else assertThat(answer).isEqualTo("ok");
                }
                default -> throw new IllegalArgumentException("the dflockd pipe does not speak " + op);
            }
            return out;
        }

        @Override
        public JsonNode nextEvent() throws Exception {
            String[] push = c.nextPush().split(" ", 3);
            assertThat(push[0]).isEqualTo("sig");
            ObjectNode event = NativeClient.JSON.createObjectNode();
            event.put("op", "signal");
            event.put("channel", push[1]);
            event.put("payload", push[2]);
            return event;
        }

        @Override
        public boolean numbersEvents() {
            return false;
        }

        @Override
        public void endSession() throws Exception {
            c.close();
        }

        @Override
        public void close() throws IOException {
            c.close();
        }
    }
}
