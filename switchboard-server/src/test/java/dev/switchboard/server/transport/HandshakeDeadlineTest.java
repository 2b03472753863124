package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.attack.Wire;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A native, frame or WebSocket connection must get its hello answered within
 * {@code --handshake-timeout}; until then it counts in {@code stats.connections}, as does a
 * connection that has sent nothing yet.
 */
class HandshakeDeadlineTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration DEADLINE = Duration.ofMillis(300);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Switchboard sb;

    @BeforeEach
    void start() {
        sb = Switchboard.builder().port(0).handshakeTimeout(DEADLINE).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterEach
    void stop() {
        sb.close();
    }

    @Test
    void aSilentJsonLineConnectionIsCountedThenCutAtTheDeadline() throws Exception {
        try (Socket observer = connect(); Socket silent = connect()) {
            Wire.send(silent, "{");
            await().atMost(Duration.ofSeconds(2)).until(() -> connections(observer) == 2);

            JsonNode err = JSON.readTree(Wire.readLine(silent));
            assertThat(err.at("/error/code").asString()).isEqualTo("handshake_timeout");
            assertThat(err.at("/error/message").asString()).isEqualTo("no hello within 300 ms");
            assertThat(err.has("id")).isFalse();
            assertThat(silent.getInputStream().read()).isEqualTo(-1);

            await().atMost(Duration.ofSeconds(5)).until(() -> connections(observer) == 1);
            assertThat(handshakeTimeouts()).isEqualTo(1);
        }
    }

    @Test
    void aSilentFrameConnectionIsCutAtTheDeadline() throws Exception {
        try (Socket silent = connect()) {
            silent.getOutputStream().write(0);
            silent.getOutputStream().flush();
            DataInputStream in = new DataInputStream(silent.getInputStream());
            byte[] frame = new byte[in.readInt()];
            in.readFully(frame);
            assertThat(JSON.readTree(frame).at("/error/code").asString()).isEqualTo("handshake_timeout");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void aWebSocketThatNeverSaysHelloIsClosedWith4004() throws Exception {
        CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + sb.port() + "/api/v1/ws"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closeCode.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closeCode.completeExceptionally(error);
                    }
                }).get(5, TimeUnit.SECONDS);
        try {
            assertThat(closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(4004);
        } finally {
            ws.abort();
        }
        assertThat(handshakeTimeouts()).isEqualTo(1);
    }

    @Test
    void aConnectionWhoseHelloWasAnsweredOutlivesTheDeadline() throws Exception {
        try (Socket greeted = connect(); Socket silent = connect()) {
            Wire.send(greeted, "{\"op\":\"hello\",\"id\":1,\"version\":1}\n");
            assertThat(Wire.readLine(greeted)).contains("\"op\":\"welcome\"");
            Wire.send(silent, "{");
            // The silent one, opened after, is cut: the deadline has passed for the greeted one too.
            assertThat(Wire.readLine(silent)).contains("handshake_timeout");

            Wire.send(greeted, "{\"op\":\"ping\",\"id\":2}\n");
            assertThat(Wire.readLine(greeted)).isEqualTo("{\"op\":\"pong\",\"id\":2}");
        }
    }

    @Test
    void aConnectionThatHasSentNothingYetCountsAsDflockdCountsIt() throws Exception {
        try (Socket observer = connect()) {
            assertThat(connections(observer)).isEqualTo(1);
            try (Socket quiet = connect()) {
                await().atMost(Duration.ofSeconds(2)).until(() -> connections(observer) == 2);
            }
            await().atMost(Duration.ofSeconds(2)).until(() -> connections(observer) == 1);
        }
    }

    /** {@code connections} from a dflockd {@code stats} on {@code observer}. */
    private static long connections(Socket observer) throws IOException {
        Wire.send(observer, "stats\n_\n_\n");
        String line = Wire.readLine(observer);
        assertThat(line).startsWith("ok {");
        return JSON.readTree(line.substring(3)).path("connections").asLong();
    }

    private long handshakeTimeouts() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("(?m)^switchboard_handshake_timeouts_total (\\S+)$").matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }


    private Socket connect() throws IOException {
        return Wire.connect(sb.port(), Duration.ofSeconds(5));
    }
}
