package dev.switchboard.server.http.dflockd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * An event stream's response head goes out before any event, even when signals are being
 * published at the very moment the stream subscribes (an event written before the head would
 * be a corrupt HTTP response).
 */
class StreamHeadFirstTest {

    @Test
    void streamsOpenedDuringAFloodOfSignalsStartWithTheirHead() throws Exception {
        try (Switchboard sb = Http.config().start()) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread publisher = new Thread(() -> {
                try (Socket s = new Socket("127.0.0.1", sb.port())) {
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    byte[] line = "signal\nrace.x\np\n".getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 20_000 && !stop.get(); i++) {
                        out.write(line);
                        while (in.read() != '\n') {
                            // the "ok N" answer
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            publisher.start();
            try {
                for (int i = 0; i < 2; i++) {
                    nativeStreamStartsWithHead(sb);
                }
                for (int i = 0; i < 30; i++) {
                    try (Socket s = new Socket("127.0.0.1", sb.port())) {
                        s.setSoTimeout(5_000);
                        s.getOutputStream().write(("GET /v1/signals?pattern=race.* HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        byte[] first = s.getInputStream().readNBytes(12);
                        assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                    }
                }
            } finally {
                stop.set(true);
                publisher.join(Duration.ofSeconds(10).toMillis());
            }
        }
    }

    /** A native HTTP session listening on the flooded channel: its event stream starts with the head too. */
    private static void nativeStreamStartsWithHead(Switchboard sb) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + sb.port() + "/api/v1/sessions";
        java.net.http.HttpResponse<String> created = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        tools.jackson.databind.JsonNode body = tools.jackson.databind.json.JsonMapper.builder().build().readTree(created.body());
        String id = body.path("session").asString();
        String key = body.path("resume_key").asString();
        client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/" + id + "/ops/signal.listen"))
                .header("X-Switchboard-Key", key).POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"pattern\":\"race.*\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 10; i++) {
            try (Socket s = new Socket("127.0.0.1", sb.port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(("GET /api/v1/sessions/" + id + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Switchboard-Key: "
                        + key + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] first = s.getInputStream().readNBytes(12);
                assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            }
        }
    }
}
