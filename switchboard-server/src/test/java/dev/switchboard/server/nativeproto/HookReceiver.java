package dev.switchboard.server.nativeproto;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * A JDK HTTP server on loopback standing in for a webhook or a hook URL: each path answers as the
 * test says ({@link #answer}), or holds its requests until {@link #close()} ({@link #hang}), and
 * keeps the JSON bodies it was sent, by path, for the test to read.
 */
final class HookReceiver implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);
    private final Map<String, BlockingQueue<JsonNode>> received = new ConcurrentHashMap<>();

    HookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.start();
    }

    /** The URL of {@code path} on this server. */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** {@code path} records each body and answers {@code status} with {@code body} as JSON. */
    HookReceiver answer(String path, int status, String body) {
        server.createContext(path, ex -> {
            record(path, ex);
            respond(ex, status, body);
        });
        return this;
    }

    /** {@code path} records each body and answers nothing until the receiver closes. */
    HookReceiver hang(String path) {
        server.createContext(path, ex -> {
            record(path, ex);
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(ex, 200, "{\"payload\":\"too late\"}");
        });
        return this;
    }

    /** The next body POSTed to {@code path}, waiting for it a few seconds. */
    JsonNode next(String path) throws InterruptedException {
        JsonNode body = queue(path).poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (body == null) throw new AssertionError("nothing was POSTed to " + path);
        return body;
    }

    /** Bodies POSTed to {@code path} and not read yet. */
    int waiting(String path) {
        return queue(path).size();
    }

    private void record(String path, HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        JsonNode body = NativeClient.JSON.readTree(ex.getRequestBody().readAllBytes());
        if (!"POST".equals(method) || type == null || !type.startsWith("application/json")) {
            throw new AssertionError("expected a JSON POST, got " + method + " " + type);
        }
        queue(path).add(body);
    }

    private BlockingQueue<JsonNode> queue(String path) {
        return received.computeIfAbsent(path, p -> new LinkedBlockingQueue<>());
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A loopback port nothing listens on (it was free a moment ago). */
    static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
