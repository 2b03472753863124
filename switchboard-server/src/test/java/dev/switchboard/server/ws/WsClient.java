package dev.switchboard.server.ws;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A JDK WebSocket client that collects text messages, pings and the close frame. */
public final class WsClient implements WebSocket.Listener, AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();

    public final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    /** Binary messages, whole. */
    public final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
    private final java.io.ByteArrayOutputStream partialBinary = new java.io.ByteArrayOutputStream();
    final CompletableFuture<int[]> closed = new CompletableFuture<>();
    final CompletableFuture<String> closeReason = new CompletableFuture<>();
    volatile int pings;
    private final StringBuilder partial = new StringBuilder();
    final WebSocket ws;

    public WsClient(int port, String origin) throws Exception {
        this(port, origin, "/api/v1/ws");
    }

    /** A client of the WebSocket at {@code path} (the native one, or the relay protocol's {@code /relay}). */
    public WsClient(int port, String origin, String path) throws Exception {
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (origin != null) b.header("Origin", origin);
        ws = b.buildAsync(URI.create("ws://127.0.0.1:" + port + path), this).get(5, TimeUnit.SECONDS);
    }

    /** True once the server closed the connection (with a Close frame, or by dropping it). */
    public boolean isClosed() {
        return closed.isDone();
    }

    public static WsClient hello(int port) throws Exception {
        WsClient c = new WsClient(port, null);
        c.send("{\"op\":\"hello\",\"id\":0,\"version\":1}");
        if (!"welcome".equals(c.read().path("op").asString())) throw new AssertionError("no welcome");
        return c;
    }

    public void send(String json) throws Exception {
        ws.sendText(json, true).get(5, TimeUnit.SECONDS);
    }

    public JsonNode read() throws Exception {
        String m = messages.poll(5, TimeUnit.SECONDS);
        if (m == null) throw new AssertionError("no message within 5 s");
        return JSON.readTree(m);
    }

    public JsonNode request(String json, Object id) throws Exception {
        send(json);
        while (true) {
            JsonNode m = read();
            if (m.has("id") && m.get("id").asString().equals(String.valueOf(id))) return m;
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            messages.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    /** Sends one binary message. */
    public void sendBinary(byte[] bytes) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(5, TimeUnit.SECONDS);
    }

    /** The next binary message. */
    public byte[] readBinary() throws Exception {
        byte[] m = binaries.poll(5, TimeUnit.SECONDS);
        if (m == null) throw new AssertionError("no binary message within 5 s");
        return m;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        partialBinary.writeBytes(chunk);
        if (last) {
            binaries.add(partialBinary.toByteArray());
            partialBinary.reset();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        pings++;
        webSocket.request(1);
        return WebSocket.Listener.super.onPing(webSocket, message);
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new int[] {statusCode});
        closeReason.complete(reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        ws.abort();
    }
}
