package dev.switchboard.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OutboundHttpTest {
    /** The node's default transport (epoll on Linux x86-64): the client's channels must match its loops. */
    private static final dev.switchboard.server.transport.IoTransport IO = dev.switchboard.server.transport.IoTransport.auto();
    private EventLoopGroup group;
    private HttpServer server;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<String> received = new AtomicReference<>();
    private final AtomicInteger refused = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, IO.ioHandlerFactory());
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/echo", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            received.set(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("Content-Type")
                    + " " + new String(body, StandardCharsets.UTF_8));
            respond(ex, 200, "{\"payload\":\"done\"}");
        });
        server.createContext("/fail", ex -> respond(ex, 503, "busy"));
        server.createContext("/big", ex -> respond(ex, 200, "x".repeat(4096)));
        server.createContext("/hang", ex -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(ex, 200, "{}");
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private OutboundHttp client(int maxInFlight, int maxResponseBytes) {
        return new OutboundHttp(group, IO, new OutboundHttp.Settings(Duration.ofSeconds(2), maxInFlight, maxResponseBytes),
                refused::incrementAndGet);
    }

    private static OutboundHttpException failure(CompletableFuture<?> f) {
        Throwable t = null;
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            t = e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(t).isInstanceOf(OutboundHttpException.class);
        return (OutboundHttpException) t;
    }

    @Test
    void postsJsonAndReturnsTheResponse() throws Exception {
        try (OutboundHttp http = client(8, 1 << 16)) {
            OutboundHttp.Response r = http.postJson(url("/echo?x=1"), "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.ok()).isTrue();
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"payload\":\"done\"}");
            assertThat(received.get()).isEqualTo("POST /echo?x=1 application/json {\"a\":1}");
            assertThat(http.inFlight()).isZero();
        }
    }

    @Test
    void anErrorStatusIsAResponseNotAFailure() throws Exception {
        try (OutboundHttp http = client(8, 1 << 16)) {
            OutboundHttp.Response r = http.postJson(url("/fail"), new byte[0], Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.ok()).isFalse();
        }
    }

    @Test
    void aRefusedConnectionFailsAsConnectFailed() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (OutboundHttp http = client(8, 1 << 16)) {
            OutboundHttpException e = failure(http.postJson(URI.create("http://127.0.0.1:" + closedPort + "/x"), new byte[0],
                    Duration.ofSeconds(5)));
            assertThat(e.kind()).isEqualTo(OutboundHttpException.Kind.CONNECT_FAILED);
            assertThat(http.inFlight()).isZero();
        }
    }

    @Test
    void noResponseByTheDeadlineFailsAsTimeout() {
        try (OutboundHttp http = client(8, 1 << 16)) {
            OutboundHttpException e = failure(http.postJson(url("/hang"), new byte[0], Duration.ofMillis(150)));
            assertThat(e.kind()).isEqualTo(OutboundHttpException.Kind.TIMEOUT);
            assertThat(e.getMessage()).contains("150 ms");
            assertThat(http.inFlight()).isZero();
        }
    }

    @Test
    void aResponseOverTheLimitFailsAsBadResponse() {
        try (OutboundHttp http = client(8, 1024)) {
            OutboundHttpException e = failure(http.postJson(url("/big"), new byte[0], Duration.ofSeconds(5)));
            assertThat(e.kind()).isEqualTo(OutboundHttpException.Kind.BAD_RESPONSE);
            assertThat(e.getMessage()).contains("longer than the limit");
        }
    }

    @Test
    void requestsPastTheInFlightBoundFailAtOnceAndAreCounted() throws Exception {
        try (OutboundHttp http = client(2, 1 << 16)) {
            CompletableFuture<OutboundHttp.Response> a = http.postJson(url("/hang"), new byte[0], Duration.ofSeconds(10));
            CompletableFuture<OutboundHttp.Response> b = http.postJson(url("/hang"), new byte[0], Duration.ofSeconds(10));
            OutboundHttpException e = failure(http.postJson(url("/echo"), new byte[0], Duration.ofSeconds(10)));
            assertThat(e.kind()).isEqualTo(OutboundHttpException.Kind.TOO_MANY_IN_FLIGHT);
            assertThat(refused.get()).isEqualTo(1);
            release.countDown();
            assertThat(a.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(b.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(http.inFlight()).isZero();
        }
    }

    @Test
    void refusesWhatIsNotAnHttpUrl() {
        try (OutboundHttp http = client(8, 1 << 16)) {
            for (String u : new String[] {"ftp://127.0.0.1/x", "unix:///tmp/s.sock", "/relative"}) {
                assertThat(failure(http.postJson(URI.create(u), new byte[0], Duration.ofSeconds(1))).kind())
                        .as(u).isEqualTo(OutboundHttpException.Kind.BAD_URL);
            }
            assertThatThrownBy(() -> URI.create("http://bad host/")).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
