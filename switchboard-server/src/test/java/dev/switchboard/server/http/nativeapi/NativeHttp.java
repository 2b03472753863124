package dev.switchboard.server.http.nativeapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small client of the native HTTP API (/api/v1) on the JDK's {@link HttpClient} (HTTP/1.1),
 * every call bounded, plus the assertions the test classes share.
 */
final class NativeHttp {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final String API = "/api/v1";
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AtomicInteger KEYS = new AtomicInteger();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();

    final int port;

    NativeHttp(int port) {
        this.port = port;
    }

    /** What a client sees of a response. */
    record Resp(String request, int status, HttpHeaders headers, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            return request + " -> " + status + " " + body.strip();
        }
    }

    /** Base settings of every test server: loopback, ephemeral port, quick shutdown. */
    static SwitchboardConfig.Builder config() {
        return Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1));
    }

    /** A key (or channel token) no other test uses. */
    static String key(String prefix) {
        return prefix + "-" + KEYS.incrementAndGet();
    }

    // ---- requests ----------------------------------------------------------------------------------

    Resp send(String method, String path, String body) {
        return join(sendAsync(TIMEOUT, method, path, body), TIMEOUT.plusSeconds(1));
    }

    CompletableFuture<Resp> sendAsync(Duration timeout, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        withKey(b, path);
        String what = method + " " + path + (body == null ? "" : " " + body);
        return CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(x -> {
                    Resp resp = new Resp(what, x.statusCode(), x.headers(), x.body());
                    if (method.equals("POST") && path.equals(API + "/sessions") && x.statusCode() == 201) {
                        // Like a client, keep each session's key to present it on its routes.
                        JsonNode created = resp.json();
                        SESSION_KEYS.put(created.path("session").asString(), created.path("resume_key").asString());
                    }
                    return resp;
                });
    }

    /** The admin API's view of {@code session} (its {@code connections}, {@code requests_in_flight}, ...); the server needs {@code adminToken}. */
    JsonNode adminView(String session, String adminToken) {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/admin/sessions/" + session))
                .header("X-Switchboard-Admin", adminToken).timeout(TIMEOUT).GET().build();
        Resp r = join(CLIENT.sendAsync(get, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(x -> new Resp("GET admin view of " + session, x.statusCode(), x.headers(), x.body())), TIMEOUT);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    /** Session id → its key, for every session a test created. */
    static final java.util.Map<String, String> SESSION_KEYS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.regex.Pattern SESSION_IN_PATH = java.util.regex.Pattern.compile("/sessions/([0-9a-f]{32})");

    /** Adds the session's key header when the path names a session this test created. */
    static HttpRequest.Builder withKey(HttpRequest.Builder b, String path) {
        java.util.regex.Matcher m = SESSION_IN_PATH.matcher(path);
        if (m.find() && SESSION_KEYS.containsKey(m.group(1))) {
            b.header("X-Switchboard-Key", SESSION_KEYS.get(m.group(1)));
        }
        return b;
    }

    static Resp join(CompletableFuture<Resp> f, Duration within) {
        try {
            return f.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("request failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no response within " + within, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** POST /api/v1/sessions → 201; returns the session id. */
    String createSession() {
        Resp r = send("POST", API + "/sessions", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        String id = r.json().path("session").asString();
        assertThat(id).as(r.toString()).matches("[0-9a-f]{32}");
        return id;
    }

    Resp deleteSession(String session) {
        return send("DELETE", API + "/sessions/" + session, null);
    }

    Resp op(String session, String op, String body) {
        return send("POST", API + "/sessions/" + session + "/ops/" + op, body);
    }

    /** An operation that may wait: the client's timeout is {@code timeout}. */
    CompletableFuture<Resp> opAsync(Duration timeout, String session, String op, String body) {
        return sendAsync(timeout, "POST", API + "/sessions/" + session + "/ops/" + op, body);
    }

    /** The operation's 200 result. */
    JsonNode ok(String session, String op, String body) {
        Resp r = op(session, op, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    /** lock.acquire with timeout 0, which must be granted; returns the token. */
    String acquire(String session, String key) {
        JsonNode j = ok(session, "lock.acquire", "{\"key\":\"" + key + "\",\"timeout_ms\":0}");
        assertThat(j.path("status").asString()).as("grant of " + key + ": " + j).isEqualTo("acquired");
        return j.path("token").asString();
    }

    void release(String session, String key, String token) {
        assertThat(ok(session, "lock.release", "{\"key\":\"" + key + "\",\"token\":\"" + token + "\"}").isEmpty()).isTrue();
    }

    /** GET …/poll; the client waits {@code timeoutMs} plus 5 s. */
    CompletableFuture<Resp> pollAsync(String session, long after, long timeoutMs) {
        return sendAsync(Duration.ofMillis(timeoutMs).plus(TIMEOUT), "GET",
                API + "/sessions/" + session + "/poll?after=" + after + "&timeout_ms=" + timeoutMs, null);
    }

    Resp poll(String session, long after, long timeoutMs) {
        return join(pollAsync(session, after, timeoutMs), Duration.ofMillis(timeoutMs).plus(TIMEOUT).plusSeconds(1));
    }

    void listen(String session, String pattern) {
        assertThat(ok(session, "signal.listen", "{\"pattern\":\"" + pattern + "\"}").isEmpty()).isTrue();
    }

    void publish(String session, String channel, String payload, int delivered) {
        JsonNode j = ok(session, "signal.publish", "{\"channel\":\"" + channel + "\",\"payload\":\"" + payload + "\"}");
        assertThat(j.path("delivered").asInt()).as("delivered of " + j).isEqualTo(delivered);
    }

    JsonNode stats() {
        Resp r = send("GET", API + "/stats", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    /** The waiters of lock {@code key} in the stats, 0 when the key is not held. */
    int lockWaiters(String key) {
        for (JsonNode l : stats().path("locks")) {
            if (key.equals(l.path("key").asString())) return l.path("waiters").asInt();
        }
        return 0;
    }

    boolean lockHeld(String key) {
        for (JsonNode l : stats().path("locks")) {
            if (key.equals(l.path("key").asString())) return true;
        }
        return false;
    }

    void awaitLockWaiters(String key, int n) {
        Awaitility.await(key + " has " + n + " waiter(s)").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> lockWaiters(key) == n);
    }

    // ---- assertions --------------------------------------------------------------------------------

    /** A native error: the status, JSON, and exactly the fields code and message; returns the message. */
    static String assertError(Resp r, int status, String code) {
        assertThat(r.status()).as("status of " + r).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).as("Content-Type of " + r).hasValue("application/json");
        JsonNode j = r.json();
        assertThat(j.propertyNames()).as("fields of " + r).containsExactlyInAnyOrder("code", "message");
        assertThat(j.path("code").asString()).as("code of " + r).isEqualTo(code);
        return j.path("message").asString();
    }

    static void assertNoContent(Resp r) {
        assertThat(r.status()).as("status of " + r).isEqualTo(204);
        assertThat(r.body()).as("body of " + r).isEmpty();
    }
}
