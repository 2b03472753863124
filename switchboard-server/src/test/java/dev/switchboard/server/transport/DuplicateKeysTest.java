package dev.switchboard.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.attack.Wire;
import dev.switchboard.server.ws.WsClient;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A JSON object that names a key twice is refused on every native input, with a message naming
 * the key; dflockd's HTTP routes keep Go's rule (the last value counts), as dflockd does.
 */
class DuplicateKeysTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String DUPLICATE_OP = "{\"op\":\"ping\",\"id\":2,\"op\":\"stats\"}";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Switchboard sb;

    @BeforeEach
    void start() {
        sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterEach
    void stop() {
        sb.close();
    }

    @Test
    void jsonLinesRefuseADuplicateKeyAndKeepServing() throws Exception {
        try (Socket s = connect()) {
            Wire.send(s, "{\"op\":\"hello\",\"id\":1,\"version\":1}\n");
            assertThat(JSON.readTree(Wire.readLine(s)).path("op").asString()).isEqualTo("welcome");
            Wire.send(s, DUPLICATE_OP + "\n");
            assertBadFrameNaming(JSON.readTree(Wire.readLine(s)), "op");
            Wire.send(s, "{\"op\":\"ping\",\"id\":3}\n");
            assertThat(JSON.readTree(Wire.readLine(s)).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void aDuplicateKeyInTheHelloIsRefusedBeforeAnySessionOpens() throws Exception {
        try (Socket s = connect()) {
            Wire.send(s, "{\"op\":\"hello\",\"id\":1,\"version\":1,\"version\":2}\n");
            JsonNode err = JSON.readTree(Wire.readLine(s));
            assertThat(err.at("/error/code").asString()).isEqualTo("hello_required");
            assertThat(err.at("/error/message").asString()).contains("\"version\"");
        }
    }

    @Test
    void lengthPrefixedFramesRefuseADuplicateKey() throws Exception {
        try (Socket s = connect()) {
            writeFrame(s, "{\"op\":\"hello\",\"id\":1,\"version\":1}");
            assertThat(readFrameJson(s).path("op").asString()).isEqualTo("welcome");
            writeFrame(s, "{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"a\",\"key\":\"b\"}");
            assertBadFrameNaming(readFrameJson(s), "key");
        }
    }

    @Test
    void webSocketTextRefusesADuplicateKey() throws Exception {
        try (WsClient c = WsClient.hello(sb.port())) {
            c.send(DUPLICATE_OP);
            assertBadFrameNaming(c.read(), "op");
            assertThat(c.request("{\"op\":\"ping\",\"id\":3}", 3).path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void nativeHttpBodiesRefuseADuplicateKey() throws Exception {
        HttpResponse<String> created = post("/api/v1/sessions", "", null);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode session = JSON.readTree(created.body());
        HttpResponse<String> r = post("/api/v1/sessions/" + session.path("session").asString() + "/ops/lock.acquire",
                "{\"key\":\"a\",\"timeout_ms\":0,\"key\":\"b\"}", session.path("resume_key").asString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.toString()).contains("bad_frame").contains("Duplicate").contains("\\\"key\\\"");
    }

    @Test
    void dflockdHttpBodiesTakeTheLastValueAsDflockdDoes() throws Exception {
        String session = JSON.readTree(post("/v1/sessions", "", null).body()).path("session_id").asString();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + "/v1/locks/dup"))
                .timeout(Duration.ofSeconds(5)).header("X-Dflockd-Session", session)
                .POST(HttpRequest.BodyPublishers.ofString("{\"acquire_timeout_s\":0,\"lease_ttl_s\":5,\"lease_ttl_s\":7}"))
                .build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("lease_ttl_s").asLong()).isEqualTo(7);
    }

    private static void assertBadFrameNaming(JsonNode err, String key) {
        assertThat(err.at("/error/code").asString()).as(err.toString()).isEqualTo("bad_frame");
        assertThat(err.at("/error/message").asString()).contains("Duplicate").contains("\"" + key + "\"");
    }

    private HttpResponse<String> post(String path, String body, String sessionKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + path))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (sessionKey != null) b.header("X-Switchboard-Key", sessionKey);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void writeFrame(Socket s, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Wire.send(s, ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes).array());
    }

    private static JsonNode readFrameJson(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return JSON.readTree(new String(b, StandardCharsets.UTF_8));
    }

    private Socket connect() throws IOException {
        return Wire.connect(sb.port(), Duration.ofSeconds(5));
    }
}
