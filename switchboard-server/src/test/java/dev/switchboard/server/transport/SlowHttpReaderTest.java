package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that send requests but never read the answers — pipelining ones and event-stream
 * ones — are cut, and the server keeps answering everyone else.
 */
class SlowHttpReaderTest {
    private static final long MAX_PENDING = 256 * 1024;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService attackers = Executors.newCachedThreadPool();
    private final List<Socket> sockets = new ArrayList<>();
    private Switchboard sb;

    @BeforeEach
    void start() {
        sb = Switchboard.builder().port(0).writeTimeout(Duration.ofSeconds(2)).httpMaxPendingBytes(MAX_PENDING)
                .shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) s.close();
        attackers.shutdownNow();
        sb.close();
    }

    @Test
    void pipeliningClientsThatNeverReadAreCutAndOthersAreServed() throws Exception {
        List<Future<Integer>> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Socket s = unreadSocket();
            sent.add(attackers.submit(() -> pipelineWithoutReading(s, 20_000)));
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(cuts("single")).isEqualTo(4));
        long start = System.nanoTime();
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        for (Future<Integer> f : sent) f.get(10, TimeUnit.SECONDS);
        for (Socket s : sockets) {
            // The connection has ended, and far fewer answers came than requests were sent: the server
            // kept only a bounded backlog for the client that does not read.
            long answered = drain(s);
            assertThat(answered).isLessThan(20_000L * 10_000 / 10);
        }
    }

    @Test
    void anEventStreamReaderThatFallsBehindIsEvicted() throws Exception {
        Socket reader = unreadSocket();
        reader.getOutputStream().write("GET /v1/signals?pattern=big.> HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        String payload = "{\"payload\":\"" + "x".repeat(60_000) + "\"}";
        await().atMost(Duration.ofSeconds(5)).until(() -> post("/v1/signals/big.one", payload).body().contains("\"delivered\":1"));
        for (int i = 0; i < 200 && cuts("stream") == 0; i++) {
            assertThat(post("/v1/signals/big.one", payload).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cuts("stream")).isEqualTo(1));
        assertThat(post("/v1/signals/big.one", payload).body()).contains("\"delivered\":0");
        assertThat(get("/health").statusCode()).isEqualTo(200);
    }

    /** A client socket whose receive buffer is small, so that what it does not read backs up in the server. */
    private Socket unreadSocket() throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", sb.port()), 5000);
        sockets.add(s);
        return s;
    }

    /** Writes up to {@code count} pipelined requests in batches; returns how many were written before the server cut. */
    private static int pipelineWithoutReading(Socket s, int count) {
        byte[] batch = "GET /demo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(500).getBytes(StandardCharsets.US_ASCII);
        int written = 0;
        try {
            OutputStream out = s.getOutputStream();
            while (written < count) {
                out.write(batch);
                written += 500;
            }
        } catch (IOException cut) {
            // the server closed the connection: what the test expects
        }
        return written;
    }

    /** Reads what the server sent until it ends the connection (at most 10 s); returns the byte count. */
    private static long drain(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        long total = 0;
        byte[] buf = new byte[65536];
        try {
            for (int n; (n = s.getInputStream().read(buf)) >= 0; ) total += n;
        } catch (java.net.SocketException reset) {
            // a reset ends it too
        }
        return total;
    }

    private double cuts(String response) throws Exception {
        double total = 0;
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith("switchboard_http_slow_readers_cut_total{") && line.contains("response=\"" + response + "\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + path))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
