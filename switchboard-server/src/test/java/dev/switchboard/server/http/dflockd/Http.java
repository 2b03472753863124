package dev.switchboard.server.http.dflockd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small dflockd HTTP client for the tests on top of the JDK's {@link HttpClient} (HTTP/1.1,
 * every call bounded by {@link #TIMEOUT}), plus the assertions shared by the test classes.
 */
final class Http {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final String SESSION = "X-Dflockd-Session";
    static final String TOKEN_RE = "([0-9a-f]{32})";
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AtomicInteger KEYS = new AtomicInteger();

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();

    final int port;
    private final String bearer;

    Http(int port) {
        this(port, null);
    }

    /** @param bearer when non-null, every request carries {@code Authorization: Bearer <bearer>} */
    Http(int port, String bearer) {
        this.port = port;
        this.bearer = bearer;
    }

    /** What a client sees of a response. */
    record Resp(String request, int status, HttpHeaders headers, String body) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        List<String> headerValues(String name) {
            return headers.allValues(name);
        }

        JsonNode json() {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            return request + " -> " + status + " " + show(body) + " " + headers.map();
        }
    }

    // ---- server helpers ----------------------------------------------------------------------------

    /** Base settings of every test server: loopback, ephemeral port, quick shutdown. */
    static SwitchboardConfig.Builder config() {
        return Switchboard.builder().host("127.0.0.1").port(0).shutdownTimeout(Duration.ofSeconds(1));
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A key no other test uses. */
    static String key(String prefix) {
        return prefix + "-" + KEYS.incrementAndGet();
    }

    // ---- requests ----------------------------------------------------------------------------------

    Resp get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    Resp post(String path, String body, String... headers) {
        return send("POST", path, body, headers);
    }

    Resp delete(String path, String... headers) {
        return send("DELETE", path, null, headers);
    }

    Resp send(String method, String path, String body, String... headers) {
        return join(sendAsync(method, path, body, headers));
    }

    CompletableFuture<Resp> postAsync(String path, String body, String... headers) {
        return sendAsync("POST", path, body, headers);
    }

    CompletableFuture<Resp> sendAsync(String method, String path, String body, String... headers) {
        return sendAsync(TIMEOUT, method, path, body, headers);
    }

    CompletableFuture<Resp> sendAsync(Duration timeout, String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        String what = method + " " + path + (body == null ? "" : " " + show(abbreviate(body)));
        return CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(r -> new Resp(what, r.statusCode(), r.headers(), r.body()));
    }

    static Resp join(CompletableFuture<Resp> f) {
        return join(f, TIMEOUT.plusSeconds(1));
    }

    /** For a long poll whose answer is expected later than {@link #TIMEOUT} (its client timeout is raised by the caller). */
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

    // ---- dflockd calls -----------------------------------------------------------------------------

    /** {@code POST /v1/sessions} → 200 {"session_id":…,"idle_timeout_s":…}; returns the id. */
    String createSession() {
        Resp r = post("/v1/sessions", null);
        return group(assertJsonMatches(r, 200, "\\{\"session_id\":\"([0-9a-f]{32})\",\"idle_timeout_s\":[0-9]+\\}\n"), 1);
    }

    Resp lock(String sid, String key, String sub, String body) {
        return post("/v1/locks/" + key + (sub.isEmpty() ? "" : "/" + sub), body, SESSION, sid);
    }

    Resp sem(String sid, String key, String sub, String body) {
        return post("/v1/semaphores/" + key + (sub.isEmpty() ? "" : "/" + sub), body, SESSION, sid);
    }

    CompletableFuture<Resp> lockAsync(String sid, String key, String sub, String body) {
        return postAsync("/v1/locks/" + key + (sub.isEmpty() ? "" : "/" + sub), body, SESSION, sid);
    }

    /** A long poll with a client timeout of {@code timeout} instead of {@link #TIMEOUT}. */
    CompletableFuture<Resp> lockAsync(Duration timeout, String sid, String key, String sub, String body) {
        return sendAsync(timeout, "POST", "/v1/locks/" + key + (sub.isEmpty() ? "" : "/" + sub), body, SESSION, sid);
    }

    /** Acquires {@code key} at once (timeout 0) with the default lease; returns the token. */
    String acquire(String sid, String key) {
        return grant(lock(sid, key, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
    }

    void release(String sid, String key, String token) {
        assertNoContent(lock(sid, key, "release", "{\"token\":\"" + token + "\"}"));
    }

    JsonNode stats() {
        Resp r = get("/v1/stats");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    /** Waiters of lock {@code key} in /v1/stats (0 when absent). */
    int lockWaiters(String key) {
        return entryInt(stats(), "locks", key, "waiters");
    }

    void awaitLockWaiters(String key, int n) {
        Awaitility.await(key + " has " + n + " waiter(s)").atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> lockWaiters(key) == n);
    }

    static int entryInt(JsonNode stats, String array, String key, String field) {
        JsonNode e = entry(stats, array, key);
        return e == null ? 0 : e.get(field).asInt();
    }

    static JsonNode entry(JsonNode stats, String array, String key) {
        JsonNode arr = stats.get(array);
        if (arr == null) return null;
        for (JsonNode e : arr) {
            if (key.equals(e.get("key").asString())) return e;
        }
        return null;
    }

    // ---- assertions --------------------------------------------------------------------------------

    /** dflockd's JSON writer: the status, {@code application/json}, {@code nosniff}, and exactly {@code body + "\n"}. */
    static void assertJson(Resp r, int status, String body) {
        assertThat(r.status()).as("status of " + r).isEqualTo(status);
        assertJsonHeaders(r);
        assertThat(r.body()).as("body of " + r).isEqualTo(body + "\n");
    }

    static void assertJsonHeaders(Resp r) {
        assertThat(r.header("Content-Type")).as("Content-Type of " + r).isEqualTo("application/json");
        assertThat(r.header("X-Content-Type-Options")).as("X-Content-Type-Options of " + r).isEqualTo("nosniff");
    }

    /** As {@link #assertJson} with a regular expression for the whole body (its {@code \n} included). */
    static Matcher assertJsonMatches(Resp r, int status, String regex) {
        assertThat(r.status()).as("status of " + r).isEqualTo(status);
        assertJsonHeaders(r);
        Matcher m = Pattern.compile(regex).matcher(r.body());
        assertThat(m.matches()).as("body of " + r + " matches " + show(regex)).isTrue();
        return m;
    }

    /** An error body {@code {"error":code,…}} with this status; returns the detail (null when absent). */
    static String assertError(Resp r, int status, String code) {
        assertThat(r.status()).as("status of " + r).isEqualTo(status);
        assertJsonHeaders(r);
        assertThat(r.body()).as("body of " + r).endsWith("}\n").doesNotContain("\n}");
        JsonNode j = r.json();
        assertThat(j.get("error") == null ? null : j.get("error").asString()).as("error of " + r).isEqualTo(code);
        assertThat(j.propertyNames()).as("fields of " + r).isSubsetOf("error", "detail");
        JsonNode d = j.get("detail");
        if (d != null) assertThat(d.asString()).as("detail of " + r + " (omitted when empty)").isNotEmpty();
        assertThat(r.body()).as("key order of " + r).startsWith("{\"error\":");
        return d == null ? null : d.asString();
    }

    /** {@code 400 bad_request} with a non-empty detail. */
    static void assertBadRequest(Resp r) {
        assertThat(assertError(r, 400, "bad_request")).as("detail of " + r).isNotEmpty();
    }

    static void assertNoContent(Resp r) {
        assertThat(r.status()).as("status of " + r).isEqualTo(204);
        assertThat(r.body()).as("body of " + r).isEmpty();
    }

    /** {@code 200 {"status":<status>,"token":"<T>","lease_ttl_s":<lease>}\n}; returns T. */
    static String grant(Resp r, String status, long lease) {
        return group(assertJsonMatches(r, 200,
                "\\{\"status\":\"" + status + "\",\"token\":\"" + TOKEN_RE + "\",\"lease_ttl_s\":" + lease + "\\}\n"), 1);
    }

    static String group(Matcher m, int g) {
        return m.group(g);
    }

    static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 80) + "…(" + s.length() + " chars)…" + s.substring(s.length() - 40) : s;
    }

    static String show(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : abbreviate(s).toCharArray()) {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                default -> {
                    if (c < 0x20) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
