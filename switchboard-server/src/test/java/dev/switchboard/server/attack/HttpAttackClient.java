package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP side of the attack tests: native and dflockd sessions, signals, the admin listing —
 * every call bounded by {@link SmallHeapServer#PROMPTLY} — and event streams opened on raw
 * sockets that read their response's status line and nothing more.
 */
final class HttpAttackClient {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** The receive window of a stream that is never read: small, so that the server's output backs up at once. */
    private static final int NON_READER_RECEIVE_BUFFER = 4096;

    /** A native HTTP session: its id and the key its routes need. */
    record NativeSession(String id, String key) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(SmallHeapServer.PROMPTLY).build();
    private final int port;
    private final String adminToken;

    HttpAttackClient(int port, String adminToken) {
        this.port = port;
        this.adminToken = adminToken;
    }

    /** {@code POST /api/v1/sessions}. */
    NativeSession openNativeSession() throws IOException, InterruptedException {
        JsonNode created = JSON.readTree(expect(201, request("/api/v1/sessions").POST(HttpRequest.BodyPublishers.noBody())));
        return new NativeSession(created.path("session").asString(), created.path("resume_key").asString());
    }

    /** {@code POST /api/v1/sessions/{id}/ops/{op}}, answered 200. */
    JsonNode nativeOp(NativeSession s, String op, String fields) throws IOException, InterruptedException {
        return JSON.readTree(expect(200, session(s, "/ops/" + op).POST(HttpRequest.BodyPublishers.ofString(fields))));
    }

    /** A long-poll that does not wait: what the session has after {@code after}, answered 200. */
    JsonNode poll(NativeSession s, long after) throws IOException, InterruptedException {
        return JSON.readTree(expect(200, session(s, "/poll?after=" + after + "&timeout_ms=0").GET()));
    }

    /** {@code DELETE /api/v1/sessions/{id}}, answered 204. */
    void deleteNativeSession(NativeSession s) throws IOException, InterruptedException {
        expect(204, session(s, "").DELETE());
    }

    /** {@code POST /v1/sessions}: a dflockd HTTP session, which holds locks but cannot listen. */
    String openDflockdSession() throws IOException, InterruptedException {
        return JSON.readTree(expect(200, request("/v1/sessions").POST(HttpRequest.BodyPublishers.noBody())))
                .path("session_id").asString();
    }

    /** dflockd's {@code POST /v1/signals/{channel}}: how many listeners the signal reached. */
    int publish(String channel, String payload) throws IOException, InterruptedException {
        String body = "{\"payload\":\"" + payload + "\"}";
        return JSON.readTree(expect(200, request("/v1/signals/" + channel).POST(HttpRequest.BodyPublishers.ofString(body))))
                .path("delivered").asInt();
    }

    /** {@code GET /api/v1/admin/sessions}: every live session, of every transport. */
    JsonNode adminSessions() throws IOException, InterruptedException {
        return JSON.readTree(expect(200, request("/api/v1/admin/sessions").header("X-Switchboard-Admin", adminToken).GET()))
                .path("sessions");
    }

    /** Live sessions of one {@code kind} ({@code http}, {@code dflockd-http}, {@code dflockd-sse}, ...). */
    long sessionsOfKind(String kind) throws IOException, InterruptedException {
        long n = 0;
        for (JsonNode s : adminSessions()) {
            if (s.path("kind").asString().equals(kind)) n++;
        }
        return n;
    }

    /**
     * Opens {@code GET path} with {@code headers} (each {@code "Name: value\r\n"}) on a socket with a
     * small receive window, reads the status line, checks it is {@code 200}, and reads nothing more.
     */
    Socket openStreamNeverRead(String path, String headers) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(NON_READER_RECEIVE_BUFFER);
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) SmallHeapServer.PROMPTLY.toMillis());
        s.setSoTimeout((int) SmallHeapServer.PROMPTLY.toMillis());
        Wire.send(s, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n");
        assertThat(Wire.readLine(s)).as("GET %s", path).startsWith("HTTP/1.1 200 ");
        return s;
    }

    /** The header that opens a native session's routes. */
    static String keyHeader(NativeSession s) {
        return "X-Switchboard-Key: " + s.key() + "\r\n";
    }

    private HttpRequest.Builder session(NativeSession s, String rest) {
        return request("/api/v1/sessions/" + s.id() + rest).header("X-Switchboard-Key", s.key());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(SmallHeapServer.PROMPTLY);
    }

    private String expect(int status, HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpRequest r = request.build();
        HttpResponse<String> answer = http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(answer.statusCode()).as("%s %s: %s", r.method(), r.uri().getPath(), answer.body()).isEqualTo(status);
        return answer.body();
    }
}
