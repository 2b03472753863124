package dev.switchboard.server.nativeproto;

import dev.switchboard.server.ws.WsClient;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * One native-protocol connection for tests, over any of the four connection transports: TCP
 * lines ({@code tcp}), TCP length-prefixed frames ({@code tcp-frames}), the Unix socket
 * ({@code unix}) and WebSocket ({@code websocket}). Replies are matched by id: a reply or an event
 * read while waiting for another reply is kept for whoever asks for it, so a pending request and
 * the events of the session can be read in any order. Every read is bounded (5 s).
 */
final class NativeConn implements java.io.Closeable {
    /** The transports a native connection can use. */
    static final String[] TRANSPORTS = {"tcp", "tcp-frames", "unix", "websocket"};

    /** The raw link: one message out, one message in. */
    private interface Link {
        void send(String json) throws Exception;

        JsonNode read() throws Exception;

        void close() throws IOException;
    }

    private final Link link;
    private final Map<String, JsonNode> replies = new HashMap<>();
    private final ArrayDeque<JsonNode> unsolicited = new ArrayDeque<>();

    private NativeConn(Link link) {
        this.link = link;
    }

    /** Connects over {@code transport}; {@code unixSocket} is the server's socket path (for {@code unix}). */
    static NativeConn open(String transport, int port, Path unixSocket) throws Exception {
        return switch (transport) {
            case "unix" -> new NativeConn(new UnixLink(unixSocket));
            case "tcp", "tcp-frames" -> {
                NativeClient c = transport.equals("tcp") ? NativeClient.lines(port) : NativeClient.frames(port);
                yield new NativeConn(new Link() {
                    public void send(String json) throws Exception { c.send(json); }
                    public JsonNode read() throws Exception { return c.read(); }
                    public void close() throws IOException { c.close(); }
                });
            }
            case "websocket" -> {
                WsClient w = new WsClient(port, null);
                yield new NativeConn(new Link() {
                    public void send(String json) throws Exception { w.send(json); }
                    public JsonNode read() throws Exception { return w.read(); }
                    public void close() { w.close(); }
                });
            }
            default -> throw new IllegalArgumentException("not a native connection transport: " + transport);
        };
    }

    void send(String json) throws Exception {
        link.send(json);
    }

    /** The next message that is not a reply somebody already waited past: an event, or a reply nobody asked for yet. */
    synchronized JsonNode read() throws Exception {
        JsonNode kept = unsolicited.poll();
        return kept != null ? kept : link.read();
    }

    /** The reply (or error) with this id, keeping whatever else arrives first. */
    synchronized JsonNode reply(Object id) throws Exception {
        String wanted = String.valueOf(id);
        JsonNode kept = replies.remove(wanted);
        if (kept != null) return kept;
        while (true) {
            JsonNode m = link.read();
            if (!m.has("id")) {
                if (!"ping".equals(m.path("op").asString())) unsolicited.add(m);
                continue;
            }
            String got = m.get("id").asString();
            if (got.equals(wanted)) return m;
            replies.put(got, m);
        }
    }

    JsonNode request(String json, Object id) throws Exception {
        send(json);
        return reply(id);
    }

    /** The next event (a message without id), keeping replies that arrive first. */
    synchronized JsonNode nextEvent() throws Exception {
        JsonNode kept = unsolicited.poll();
        if (kept != null) return kept;
        while (true) {
            JsonNode m = link.read();
            if (m.has("id")) replies.put(m.get("id").asString(), m);
            else if (!"ping".equals(m.path("op").asString())) return m;
        }
    }

    /** Says {@code hello} (with {@code resume}, a JSON object, when not null) and returns the {@code welcome}. */
    JsonNode hello(String resume) throws Exception {
        JsonNode welcome = request("{\"op\":\"hello\",\"id\":1,\"version\":1" + (resume == null ? "" : ",\"resume\":" + resume) + "}", 1);
        if (!"welcome".equals(welcome.path("op").asString())) throw new AssertionError("no welcome: " + welcome);
        return welcome;
    }

    /** The {@code resume} object of a hello. */
    static String resume(String session, String key, long lastSeq) {
        return "{\"session\":\"" + session + "\",\"key\":\"" + key + "\",\"last_seq\":" + lastSeq + "}";
    }

    @Override
    public void close() throws IOException {
        link.close();
    }

    /** A native client on the Unix socket, one JSON message per line. */
    private static final class UnixLink implements Link {
        private final SocketChannel ch;
        private final BufferedReader in;

        UnixLink(Path path) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(path));
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
        }

        @Override
        public void send(String json) throws IOException {
            ByteBuffer b = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
        }

        @Override
        public JsonNode read() throws Exception {
            // Reads block; a bounded wait keeps a broken server from hanging the suite.
            String l = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(5, TimeUnit.SECONDS);
            if (l == null) throw new EOFException("closed");
            return NativeClient.JSON.readTree(l);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
