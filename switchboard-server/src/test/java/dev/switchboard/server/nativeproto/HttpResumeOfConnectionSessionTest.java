package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A session opened over TCP resumed over HTTP with its key: an SSE stream that replays what was
 * missed after Last-Event-ID, and operations on the same session — then back over TCP.
 */
class HttpResumeOfConnectionSessionTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aTcpSessionIsResumedOverSseAndUsedOverRest() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            String base = "http://127.0.0.1:" + sb.port() + "/api/v1/sessions/";
            JsonNode welcome;
            long lastSeq;
            try (NativeClient c = NativeClient.lines(sb.port())) {
                c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
                welcome = c.read();
                c.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"news.*\"}", 2);
                assertThat(signal(sb.port(), "news.a", "n1")).isEqualTo("ok 1");
                lastSeq = c.read().path("seq").asLong();
            }
            String id = welcome.path("session").asString();
            String key = welcome.path("resume_key").asString();
            assertThat(signal(sb.port(), "news.a", "n2")).isEqualTo("ok 1"); // while detached

            HttpResponse<String> wrongKey = HTTP.send(HttpRequest.newBuilder(URI.create(base + id + "/ops/session.info"))
                    .header("X-Switchboard-Key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrongKey.statusCode()).isEqualTo(404);

            HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create(base + id + "/events"))
                    .header("X-Switchboard-Key", key).header("Last-Event-ID", String.valueOf(lastSeq)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            BufferedReader sse = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            JsonNode replayed = nextData(sse);
            assertThat(replayed.path("payload").asString()).isEqualTo("n2");
            assertThat(replayed.path("seq").asLong()).isEqualTo(lastSeq + 1);

            HttpResponse<String> info = HTTP.send(HttpRequest.newBuilder(URI.create(base + id + "/ops/session.info"))
                    .header("X-Switchboard-Key", key).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(info.statusCode()).isEqualTo(200);
            assertThat(NativeClient.JSON.readTree(info.body()).path("state").asString()).isEqualTo("active");

            assertThat(signal(sb.port(), "news.b", "n3")).isEqualTo("ok 1");
            assertThat(nextData(sse).path("payload").asString()).isEqualTo("n3");
            stream.body().close();

            // And back over TCP: nothing is replayed twice after the last event the client saw.
            try (NativeClient c = NativeClient.lines(sb.port())) {
                c.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":{\"session\":\"" + id + "\",\"key\":\"" + key
                        + "\",\"last_seq\":" + (lastSeq + 2) + "}}");
                JsonNode resumed = c.read();
                assertThat(resumed.path("resumed").asBoolean()).isTrue();
                assertThat(resumed.path("recovered").asBoolean()).isTrue();
                assertThat(signal(sb.port(), "news.c", "n4")).isEqualTo("ok 1");
                assertThat(c.read().path("payload").asString()).isEqualTo("n4");
            }
        }
    }

    private static JsonNode nextData(BufferedReader sse) throws Exception {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            String line = sse.readLine();
            if (line == null) break;
            seen.add(line);
            if (line.startsWith("data: ")) return NativeClient.JSON.readTree(line.substring(6));
        }
        throw new AssertionError("no SSE data line; saw " + seen);
    }

    private static String signal(int port, String channel, String payload) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("signal\n" + channel + "\n" + payload + "\n").getBytes(StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }
}
