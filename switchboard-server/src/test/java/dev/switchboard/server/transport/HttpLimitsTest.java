package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP request limits: line and header sizes, keep-alive, and a deadline for a request to arrive whole. */
class HttpLimitsTest {
    private static Switchboard sb;

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).httpRequestTimeout(Duration.ofMillis(700)).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stop() {
        sb.close();
    }

    @Test
    void oversizedHeadersAndRequestLinesGetTheirOwnStatus() throws Exception {
        String headers = exchange("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertThat(headers).startsWith("HTTP/1.1 431 ");
        String line = exchange("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(line).startsWith("HTTP/1.1 414 ");
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5000);
            String req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
            s.getOutputStream().write((req + req + "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(all.split("HTTP/1.1 200 OK", -1)).hasSize(4);
        }
    }

    @Test
    void aStalledRequestIsCutAfterTheDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(500));
        }
    }

    private static String exchange(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                s.getInputStream().transferTo(out);
            } catch (java.net.SocketException reset) {
                // the server may reset after answering; what it answered is what counts
            }
            return out.toString(StandardCharsets.US_ASCII);
        }
    }
}
