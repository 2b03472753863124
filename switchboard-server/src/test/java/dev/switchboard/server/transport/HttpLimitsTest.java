package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
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
        String headers = exchange("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertThat(headers).startsWith("HTTP/1.1 431 ");
        String line = exchange("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(line).startsWith("HTTP/1.1 414 ");
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5000);
            String req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            s.getOutputStream().write((req + req + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(all.split("HTTP/1.1 200 OK", -1)).hasSize(4);
        }
    }

    @Test
    void aStalledRequestIsCutAfterTheDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sb.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(500));
        }
    }

    @Test
    void aTransferEncodingOtherThanChunkedIs400AndTheConnectionEnds() throws Exception {
        for (String te : new String[] {"xchunked", "chunked, identity", "identity", "chunked\r\nTransfer-Encoding: chunked"}) {
            // Were the body ignored, "GET /health" would be read as a second request and answered 200.
            String body = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            String answer = exchange("POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: " + te
                    + "\r\n\r\n" + body);
            assertThat(answer).as(te).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("\r\nConnection: close\r\n")
                    .contains("Transfer-Encoding").doesNotContain("200 OK");
        }
        String chunked = exchange("POST /v1/signals/te.ok HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: Chunked\r\n"
                + "Connection: close\r\n\r\n4\r\n{\"pa\r\n11\r\nyload\":\"chunked\"}\r\n0\r\n\r\n");
        assertThat(chunked).startsWith("HTTP/1.1 200 OK\r\n").endsWith("{\"delivered\":0}\n");
    }

    @Test
    void headerNamesAreCanonicalInEveryResponse() throws Exception {
        String[] requests = {
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "DELETE /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            "GET /api/v1/nope HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
            "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n{",
        };
        for (String request : requests) {
            String answer = exchange(request);
            String head = answer.substring(0, answer.indexOf("\r\n\r\n"));
            String[] lines = head.split("\r\n");
            assertThat(lines.length).as(request).isGreaterThan(2);
            for (int i = 1; i < lines.length; i++) {
                String name = lines[i].substring(0, lines[i].indexOf(':'));
                assertThat(name).as(request).matches("[A-Z][a-z]*(-[A-Z][a-z]*)*");
            }
        }
        assertThat(exchange(requests[1])).contains("\r\nAllow: GET\r\n").contains("\r\nContent-Type: application/json\r\n");
    }

    private static String exchange(String request) throws Exception {
        return RawExchange.exchange(sb.port(), request);
    }
}
