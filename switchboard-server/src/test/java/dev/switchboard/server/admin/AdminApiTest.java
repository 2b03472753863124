package dev.switchboard.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin routes under /api/v1/admin/: the sessions of every transport with their locks and
 * subscriptions, one session, ending one, and who may ask (only the admin token, not the
 * clients' bearer token; nobody when the server has no admin token).
 */
class AdminApiTest {
    static final String ADMIN = "admin-secret-1";
    static final String BEARER = "client-token-1";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final AtomicInteger KEYS = new AtomicInteger();

    private static Switchboard sb;

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).adminToken(ADMIN).start();
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    static String key(String prefix) {
        return prefix + "-" + KEYS.incrementAndGet();
    }

    // ---- listing and showing ---------------------------------------------------------------------

    @Test
    void listShowsEveryTransportWithItsLocksAndSubscriptions() throws Exception {
        String nativeKey = key("adm-native");
        String tcpKey = key("adm-dflockd");
        String httpKey = key("adm-http");
        try (NativeTcp n = NativeTcp.hello(sb.port()); DflockdTcp d = new DflockdTcp(sb.port())) {
            n.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"" + nativeKey + "\",\"timeout_ms\":0}");
            n.request("{\"op\":\"signal.listen\",\"id\":3,\"pattern\":\"adm.native.>\"}");
            n.request("{\"op\":\"signal.listen\",\"id\":4,\"pattern\":\"adm.other.*\"}");
            assertThat(d.call("l\n" + tcpKey + "\n0\n")).startsWith("ok ");
            assertThat(d.call("listen\nadm.tcp.*\n\n")).isEqualTo("ok");
            String httpSession = dflockdHttpSession();
            assertThat(dflockdHttpLock(httpSession, httpKey).statusCode()).isEqualTo(200);

            HttpResponse<String> r = admin("GET", "/api/v1/admin/sessions", ADMIN);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("count").asInt()).isEqualTo(body.path("sessions").size());

            JsonNode ns = byId(body, n.session);
            assertThat(ns.path("transport").asString()).isEqualTo("json");
            assertThat(ns.path("resumable").asBoolean()).isTrue();
            assertThat(ns.path("connections").asInt()).isEqualTo(1);
            assertThat(ns.path("locks").asInt()).isEqualTo(1);
            assertThat(ns.path("subscriptions").asInt()).isEqualTo(2);
            assertThat(ns.path("numeric_id").asLong()).isPositive();
            assertThat(ns.path("remote_address").asString()).contains("127.0.0.1");
            assertThat(ns.path("age_s").asLong()).isBetween(0L, 60L);
            assertThat(ns.path("last_seq").asLong()).isZero();
            assertThat(ns.path("queue_depth").asLong()).isZero();
            assertThat(names(ns)).containsExactly("id", "numeric_id", "transport", "remote_address", "resumable", "kind",
                    "connections", "state", "attached", "age_s", "locks", "subscriptions", "attributes", "last_seq", "queue_depth",
                    "requests_in_flight");
            assertThat(ns.path("kind").asString()).isEqualTo("native");
            assertThat(ns.path("state").asString()).isEqualTo("active");
            assertThat(ns.at("/attached/0/transport").asString()).isEqualTo("json");
            assertThat(ns.at("/attached/0/remote_address").asString()).contains("127.0.0.1");

            JsonNode ds = byRemote(body, "dflockd", d.socket.getLocalPort());
            assertThat(ds.path("resumable").asBoolean()).isFalse();
            assertThat(ds.path("kind").asString()).isEqualTo("dflockd");
            assertThat(ds.path("connections").asInt()).isEqualTo(1);
            assertThat(ds.at("/attached/0/transport").asString()).isEqualTo("dflockd");
            assertThat(ds.path("locks").asInt()).isEqualTo(1);
            assertThat(ds.path("subscriptions").asInt()).isEqualTo(1);

            JsonNode hs = byId(body, httpSession);
            assertThat(hs.path("transport").asString()).isEqualTo("dflockd-http");
            assertThat(hs.path("kind").asString()).isEqualTo("dflockd-http");
            assertThat(hs.path("connections").asInt()).isZero();
            assertThat(hs.path("locks").asInt()).isEqualTo(1);
            assertThat(hs.path("subscriptions").asInt()).isZero();

            // A published signal becomes an event of the native session: last_seq and the replay buffer grow.
            assertThat(n.request("{\"op\":\"signal.publish\",\"id\":5,\"channel\":\"adm.native.x\",\"payload\":\"p\"}")
                    .path("result").path("delivered").asInt()).isEqualTo(1);
            JsonNode one = JSON.readTree(admin("GET", "/api/v1/admin/sessions/" + n.session, ADMIN).body());
            assertThat(one.path("id").asString()).isEqualTo(n.session);
            assertThat(one.path("last_seq").asLong()).isEqualTo(1);
            assertThat(one.path("queue_depth").asLong()).isEqualTo(1);
        }
    }

    @Test
    void showAnswersOneSessionOrSessionNotFound() throws Exception {
        try (NativeTcp n = NativeTcp.hello(sb.port())) {
            HttpResponse<String> r = admin("GET", "/api/v1/admin/sessions/" + n.session, ADMIN);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode s = JSON.readTree(r.body());
            assertThat(s.path("id").asString()).isEqualTo(n.session);
            assertThat(s.path("transport").asString()).isEqualTo("json");
        }
        assertError(admin("GET", "/api/v1/admin/sessions/0123456789abcdef0123456789abcdef", ADMIN), 404, "session_not_found");
        assertError(admin("DELETE", "/api/v1/admin/sessions/0123456789abcdef0123456789abcdef", ADMIN), 404, "session_not_found");
    }

    @Test
    void theResumeKeyAppearsNowhereInAdminOutput() throws Exception {
        try (NativeTcp n = NativeTcp.hello(sb.port())) {
            assertThat(n.resumeKey).isNotBlank();
            String list = admin("GET", "/api/v1/admin/sessions", ADMIN).body();
            String one = admin("GET", "/api/v1/admin/sessions/" + n.session, ADMIN).body();
            assertThat(list).contains(n.session).doesNotContain(n.resumeKey).doesNotContainIgnoringCase("resume_key");
            assertThat(one).contains(n.session).doesNotContain(n.resumeKey).doesNotContainIgnoringCase("resume_key");
        }
    }

    // ---- closing ---------------------------------------------------------------------------------

    @Test
    void closingANativeSessionSendsSessionClosedAndFreesItsLock() throws Exception {
        String k = key("adm-close-native");
        try (NativeTcp n = NativeTcp.hello(sb.port())) {
            assertThat(n.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"" + k + "\",\"timeout_ms\":0}")
                    .path("result").path("status").asString()).isEqualTo("acquired");
            String other = dflockdHttpSession();
            assertThat(dflockdHttpLock(other, k).body()).contains("\"status\":\"timeout\"");

            HttpResponse<String> r = admin("DELETE", "/api/v1/admin/sessions/" + n.session + "?reason=maintenance%20window", ADMIN);
            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(r.body()).isEmpty();

            JsonNode event = n.read();
            assertThat(event.path("op").asString()).isEqualTo("error");
            assertThat(event.path("error").path("code").asString()).isEqualTo("session_closed");
            assertThat(n.eof()).as("the connection is closed after the error").isTrue();
            assertThat(dflockdHttpLock(other, k).body()).contains("\"status\":\"ok\"");
            assertError(admin("GET", "/api/v1/admin/sessions/" + n.session, ADMIN), 404, "session_not_found");
            // The session cannot be resumed either.
            try (NativeTcp again = NativeTcp.connect(sb.port())) {
                again.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"resume\":{\"session\":\"" + n.session
                        + "\",\"key\":\"" + n.resumeKey + "\",\"last_seq\":0}}");
                JsonNode welcome = again.read();
                assertThat(welcome.path("resumed").asBoolean()).isFalse();
                assertThat(welcome.path("resume_error").path("code").asString()).isEqualTo("session_not_found");
            }
        }
    }

    @Test
    void closingADflockdTcpSessionClosesItsConnectionAndFreesItsLock() throws Exception {
        String k = key("adm-close-dflockd");
        try (DflockdTcp d = new DflockdTcp(sb.port())) {
            assertThat(d.call("l\n" + k + "\n0\n")).startsWith("ok ");
            JsonNode list = JSON.readTree(admin("GET", "/api/v1/admin/sessions", ADMIN).body());
            String id = byRemote(list, "dflockd", d.socket.getLocalPort()).path("id").asString();
            String other = dflockdHttpSession();
            assertThat(dflockdHttpLock(other, k).body()).contains("\"status\":\"timeout\"");

            assertThat(admin("DELETE", "/api/v1/admin/sessions/" + id, ADMIN).statusCode()).isEqualTo(204);
            assertThat(d.eof()).as("the dflockd connection is closed").isTrue();
            assertThat(dflockdHttpLock(other, k).body()).contains("\"status\":\"ok\"");
        }
    }

    @Test
    void closingADflockdHttpSessionEndsItForItsClient() throws Exception {
        String k = key("adm-close-http");
        String session = dflockdHttpSession();
        assertThat(dflockdHttpLock(session, k).statusCode()).isEqualTo(200);
        assertThat(admin("DELETE", "/api/v1/admin/sessions/" + session, ADMIN).statusCode()).isEqualTo(204);
        assertThat(dflockdHttpLock(session, k).statusCode()).isEqualTo(410);
        String other = dflockdHttpSession();
        assertThat(dflockdHttpLock(other, k).body()).contains("\"status\":\"ok\"");
    }

    @Test
    void anOverlongReasonIsRefused() throws Exception {
        try (NativeTcp n = NativeTcp.hello(sb.port())) {
            assertError(admin("DELETE", "/api/v1/admin/sessions/" + n.session + "?reason=" + "x".repeat(257), ADMIN),
                    400, "invalid_argument");
            assertThat(admin("GET", "/api/v1/admin/sessions/" + n.session, ADMIN).statusCode()).isEqualTo(200);
        }
    }

    // ---- who may ask -----------------------------------------------------------------------------

    @Test
    void aMissingOrWrongAdminTokenIsRefused() throws Exception {
        try (NativeTcp n = NativeTcp.hello(sb.port())) {
            for (String token : new String[] {null, "", "wrong", ADMIN + "x", ADMIN.substring(1)}) {
                long t0 = System.nanoTime();
                assertError(admin("GET", "/api/v1/admin/sessions", token), 401, "unauthorized");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the failure pause").isGreaterThanOrEqualTo(Duration.ofMillis(90));
                assertError(admin("GET", "/api/v1/admin/sessions/" + n.session, token), 401, "unauthorized");
                assertError(admin("DELETE", "/api/v1/admin/sessions/" + n.session, token), 401, "unauthorized");
            }
            // Nothing was closed by the refused requests.
            assertThat(admin("GET", "/api/v1/admin/sessions/" + n.session, ADMIN).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theAdminTokenIsIndependentOfTheBearerToken() throws Exception {
        try (Switchboard s = Switchboard.builder().port(0).authToken(BEARER).adminToken(ADMIN).start()) {
            String base = "http://127.0.0.1:" + s.port();
            // The admin token alone opens the admin routes ...
            assertThat(send(base, "GET", "/api/v1/admin/sessions", Map.of("X-Switchboard-Admin", ADMIN)).statusCode()).isEqualTo(200);
            // ... the bearer token alone does not ...
            assertError(send(base, "GET", "/api/v1/admin/sessions", Map.of("Authorization", "Bearer " + BEARER)), 401, "unauthorized");
            // ... nor does the admin token open the clients' routes.
            assertThat(send(base, "POST", "/v1/sessions", Map.of("X-Switchboard-Admin", ADMIN)).statusCode()).isEqualTo(401);
            assertThat(send(base, "POST", "/v1/sessions", Map.of("Authorization", "Bearer " + BEARER)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutAnAdminTokenTheRoutesAnswerAdminDisabled() throws Exception {
        try (Switchboard s = Switchboard.builder().port(0).start()) {
            String base = "http://127.0.0.1:" + s.port();
            for (String token : new String[] {null, ADMIN}) {
                Map<String, String> h = token == null ? Map.of() : Map.of("X-Switchboard-Admin", token);
                assertError(send(base, "GET", "/api/v1/admin/sessions", h), 404, "admin_disabled");
                assertError(send(base, "GET", "/api/v1/admin/sessions/0123456789abcdef0123456789abcdef", h), 404, "admin_disabled");
                assertError(send(base, "DELETE", "/api/v1/admin/sessions/0123456789abcdef0123456789abcdef", h), 404, "admin_disabled");
            }
        }
    }

    @Test
    void theAdminTokenMustBeUsableAndDifferFromTheAuthToken() {
        assertThatThrownBy(() -> SwitchboardConfig.builder().authToken("same").adminToken("same").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ");
        assertThatThrownBy(() -> SwitchboardConfig.builder().adminToken("").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> SwitchboardConfig.builder().adminToken("a\nb").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newline");
        assertThat(SwitchboardConfig.defaults().adminToken()).isNull();
    }

    // ---- helpers ---------------------------------------------------------------------------------

    static HttpResponse<String> admin(String method, String path, String token) throws Exception {
        return send("http://127.0.0.1:" + sb.port(), method, path, token == null ? Map.of() : Map.of("X-Switchboard-Admin", token));
    }

    static HttpResponse<String> send(String base, String method, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String dflockdHttpSession() throws Exception {
        HttpResponse<String> r = send("http://127.0.0.1:" + sb.port(), "POST", "/v1/sessions", Map.of());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("session_id").asString();
    }

    static HttpResponse<String> dflockdHttpLock(String session, String key) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + "/v1/locks/" + key))
                .timeout(Duration.ofSeconds(10)).header("X-Dflockd-Session", session)
                .POST(HttpRequest.BodyPublishers.ofString("{\"acquire_timeout_s\":0}")).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("code").asString()).as(r.body()).isEqualTo(code);
        assertThat(body.path("message").asString()).isNotEmpty();
    }

    static JsonNode byId(JsonNode list, String id) {
        for (JsonNode s : list.path("sessions")) {
            if (id.equals(s.path("id").asString())) return s;
        }
        throw new AssertionError("no session " + id + " in " + list);
    }

    /** The one session of this transport whose client port is {@code clientPort}. */
    static JsonNode byRemote(JsonNode list, String transport, int clientPort) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode s : list.path("sessions")) {
            if (transport.equals(s.path("transport").asString())
                    && s.path("remote_address").asString().endsWith(":" + clientPort)) {
                found.add(s);
            }
        }
        assertThat(found).as("%s sessions from port %d in %s", transport, clientPort, list).hasSize(1);
        return found.get(0);
    }

    static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.propertyNames().forEach(out::add);
        return out;
    }

    /** A native client on a raw socket, JSON lines. */
    static final class NativeTcp implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final BufferedReader in;
        String session;
        String resumeKey;

        private NativeTcp(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        static NativeTcp connect(int port) throws IOException {
            return new NativeTcp(port);
        }

        static NativeTcp hello(int port) throws IOException {
            NativeTcp c = new NativeTcp(port);
            c.send("{\"op\":\"hello\",\"id\":1,\"version\":1}");
            JsonNode welcome = c.read();
            assertThat(welcome.path("op").asString()).as(welcome.toString()).isEqualTo("welcome");
            c.session = welcome.path("session").asString();
            c.resumeKey = welcome.path("resume_key").asString();
            return c;
        }

        void send(String json) throws IOException {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        JsonNode read() throws IOException {
            String line = in.readLine();
            if (line == null) throw new IOException("connection closed");
            return JSON.readTree(line);
        }

        /** Sends a request and returns its reply (events before it are skipped). */
        JsonNode request(String json) throws IOException {
            send(json);
            int id = JSON.readTree(json).path("id").asInt();
            while (true) {
                JsonNode m = read();
                if (m.path("id").asInt(-1) == id) {
                    assertThat(m.path("op").asString()).as(m.toString()).isEqualTo("reply");
                    return m;
                }
            }
        }

        boolean eof() throws IOException {
            try {
                return in.readLine() == null;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A dflockd line-protocol client on a raw socket. */
    static final class DflockdTcp implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final BufferedReader in;

        DflockdTcp(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        String call(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line = in.readLine();
            if (line == null) throw new IOException("connection closed");
            return line;
        }

        boolean eof() throws IOException {
            try {
                return in.readLine() == null;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
