package dev.switchboard.server.http.nativeapi;

import static dev.switchboard.server.http.nativeapi.NativeHttp.API;
import static dev.switchboard.server.http.nativeapi.NativeHttp.assertError;
import static dev.switchboard.server.http.nativeapi.NativeHttp.assertNoContent;
import static dev.switchboard.server.http.nativeapi.NativeHttp.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.nativeapi.NativeHttp.Resp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Sessions (create, delete, 404) and operations: their results and the status of each error. */
class NativeSessionsAndOpsTest {
    private static Switchboard sb;
    private static NativeHttp http;

    @BeforeAll
    static void start() {
        sb = NativeHttp.config().start();
        http = new NativeHttp(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void createAnswers201WithTheSessionAndItsLimits() {
        Resp r = http.send("POST", API + "/sessions", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode j = r.json();
        assertThat(j.propertyNames()).containsExactly("session", "resume_key", "protocol", "server", "idle_timeout_ms", "limits");
        assertThat(j.path("resume_key").asString()).matches("[A-Za-z0-9_-]{43}");
        assertThat(r.headers().firstValue("set-cookie")).hasValueSatisfying(c -> assertThat(c).startsWith("sb_key=" + j.path("resume_key").asString()).contains("HttpOnly", "SameSite=Strict", "Path=/api/v1/sessions/"));
        assertThat(j.path("session").asString()).matches("[0-9a-f]{32}");
        assertThat(j.path("protocol").asInt()).isEqualTo(1);
        assertThat(j.path("server").asString()).startsWith("switchboard/");
        assertThat(j.path("idle_timeout_ms").asLong()).isEqualTo(20_000);
        JsonNode limits = j.path("limits");
        assertThat(limits.path("max_frame_bytes").asLong()).isEqualTo(1_048_576);
        assertThat(limits.path("max_locks").asLong()).isEqualTo(1024);
        assertThat(limits.path("default_lease_ms").asLong()).isEqualTo(33_000);
        assertThat(limits.path("replay_buffer_messages").asLong()).isEqualTo(1024);
        assertThat(limits.has("max_waiters") && limits.has("max_lease_ms")).isTrue();
        assertThat(http.createSession()).as("every session has its own id").isNotEqualTo(j.path("session").asString());
    }

    @Test
    void deleteAnswers204ThenTheSessionIsGone() {
        String s = http.createSession();
        assertNoContent(http.deleteSession(s));
        assertError(http.deleteSession(s), 404, "session_not_found");
        assertError(http.op(s, "stats", null), 404, "session_not_found");
        assertError(http.poll(s, 0, 0), 404, "session_not_found");
        assertError(http.send("GET", API + "/sessions/" + s + "/events", null), 404, "session_not_found");
    }

    @Test
    void unknownSessionsAnswer404() {
        String never = "0123456789abcdef0123456789abcdef";
        assertError(http.deleteSession(never), 404, "session_not_found");
        assertError(http.op(never, "lock.acquire", "{\"key\":\"k\"}"), 404, "session_not_found");
        assertError(http.op("not-a-session", "stats", null), 404, "session_not_found");
    }

    @Test
    void deletingASessionReleasesItsLocks() {
        String a = http.createSession();
        String b = http.createSession();
        String k = key("del");
        http.acquire(a, k);
        assertNoContent(http.deleteSession(a));
        http.acquire(b, k);
    }

    @Test
    void lockOperationsAnswerTheNativeResults() {
        String a = http.createSession();
        String b = http.createSession();
        String k = key("orders");
        JsonNode grant = http.ok(a, "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":5000,\"lease_ms\":60000}");
        assertThat(grant.propertyNames()).containsExactly("status", "token", "lease_ms");
        assertThat(grant.path("status").asString()).isEqualTo("acquired");
        assertThat(grant.path("token").asString()).matches("[0-9a-f]{32}");
        assertThat(grant.path("lease_ms").asLong()).isEqualTo(60_000);
        String t1 = grant.path("token").asString();

        // A timeout is an outcome, not an error.
        assertThat(http.ok(b, "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":0}").toString()).isEqualTo("{\"status\":\"timeout\"}");
        assertThat(http.ok(b, "lock.enqueue", "{\"key\":\"" + k + "\"}").toString()).isEqualTo("{\"status\":\"queued\"}");
        assertThat(http.ok(a, "lock.renew", "{\"key\":\"" + k + "\",\"token\":\"" + t1 + "\",\"lease_ms\":10000}").toString())
                .isEqualTo("{\"lease_ms\":10000}");
        assertThat(http.ok(a, "lock.release", "{\"key\":\"" + k + "\",\"token\":\"" + t1 + "\"}").toString()).isEqualTo("{}");
        JsonNode waited = http.ok(b, "lock.wait", "{\"key\":\"" + k + "\",\"timeout_ms\":5000}");
        assertThat(waited.path("status").asString()).isEqualTo("acquired");
        assertThat(waited.path("token").asString()).as("fencing tokens grow").isGreaterThan(t1);
        assertThat(waited.path("lease_ms").asLong()).isEqualTo(33_000);
        assertThat(http.ok(a, "lock.cancel", "{\"key\":\"" + k + "\"}").toString()).isEqualTo("{\"cancelled\":0}");
    }

    @Test
    void aWaitingAcquireIsAnsweredWhenTheHolderReleases() {
        String a = http.createSession();
        String b = http.createSession();
        String k = key("handover");
        String t = http.acquire(a, k);
        CompletableFuture<Resp> waiting = http.opAsync(Duration.ofSeconds(10), b, "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":8000}");
        http.awaitLockWaiters(k, 1);
        http.release(a, k, t);
        Resp r = NativeHttp.join(waiting, Duration.ofSeconds(10));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("status").asString()).isEqualTo("acquired");
    }

    @Test
    void semaphoreOperations() {
        String a = http.createSession();
        String k = key("pool");
        assertThat(http.ok(a, "sem.acquire", "{\"key\":\"" + k + "\",\"limit\":2}").path("status").asString()).isEqualTo("acquired");
        assertThat(http.ok(a, "sem.acquire", "{\"key\":\"" + k + "\",\"limit\":2}").path("status").asString()).isEqualTo("acquired");
        assertThat(http.ok(a, "sem.acquire", "{\"key\":\"" + k + "\",\"limit\":2}").toString()).isEqualTo("{\"status\":\"timeout\"}");
        assertError(http.op(a, "sem.acquire", "{\"key\":\"" + k + "\",\"limit\":3}"), 409, "limit_mismatch");
        assertError(http.op(a, "sem.acquire", "{\"key\":\"" + k + "\"}"), 400, "invalid_argument");
    }

    @Test
    void errorsMapToStatuses() {
        String s = http.createSession();
        String k = key("errors");
        assertError(http.op(s, "lock.acquire", "{\"key\":\"has space\"}"), 400, "invalid_argument");
        assertError(http.op(s, "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":-1}"), 400, "invalid_argument");
        assertError(http.op(s, "lock.acquire", null), 400, "invalid_argument");
        assertError(http.op(s, "no.such.op", "{}"), 404, "unknown_op");
        assertError(http.op(s, "lock.release", "{\"key\":\"" + k + "\",\"token\":\"0123456789abcdef0123456789abcdef\"}"), 404, "not_held");
        assertError(http.op(s, "lock.renew", "{\"key\":\"" + k + "\",\"token\":\"0123456789abcdef0123456789abcdef\"}"), 404, "not_held");
        assertError(http.op(s, "lock.wait", "{\"key\":\"" + k + "\",\"timeout_ms\":0}"), 409, "not_enqueued");
        assertThat(http.ok(s, "lock.enqueue", "{\"key\":\"" + k + "\"}").path("status").asString()).isEqualTo("acquired");
        assertError(http.op(s, "lock.enqueue", "{\"key\":\"" + k + "\"}"), 409, "already_enqueued");
        assertError(http.op(s, "lock.acquire", "{\"key\":"), 400, "bad_frame");
        assertError(http.op(s, "lock.acquire", "[1,2]"), 400, "bad_frame");
        assertError(http.op(s, "signal.publish", "{\"channel\":\"a.*\",\"payload\":\"x\"}"), 400, "invalid_argument");
    }

    @Test
    void aCancelledWaitAnswers408() {
        String a = http.createSession();
        String b = http.createSession();
        String k = key("cancel");
        http.acquire(a, k);
        CompletableFuture<Resp> waiting = http.opAsync(Duration.ofSeconds(10), b, "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":8000}");
        http.awaitLockWaiters(k, 1);
        assertThat(http.ok(b, "lock.cancel", "{\"key\":\"" + k + "\"}").toString()).isEqualTo("{\"cancelled\":1}");
        assertError(NativeHttp.join(waiting, Duration.ofSeconds(10)), 408, "cancelled");
    }

    @Test
    void aWaitEndedByDeletingItsSessionAnswers410() {
        String a = http.createSession();
        String b = http.createSession();
        String k = key("gone");
        http.acquire(a, k);
        CompletableFuture<Resp> waiting = http.opAsync(Duration.ofSeconds(10), b, "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":8000}");
        http.awaitLockWaiters(k, 1);
        assertNoContent(http.deleteSession(b));
        assertError(NativeHttp.join(waiting, Duration.ofSeconds(10)), 410, "session_closed");
        http.awaitLockWaiters(k, 0);
    }

    @Test
    void statsWithAndWithoutASession() {
        String s = http.createSession();
        String k = key("stats");
        http.acquire(s, k);
        JsonNode viaOp = http.ok(s, "stats", null);
        assertThat(viaOp.has("connections") && viaOp.has("locks") && viaOp.has("semaphores")).as(viaOp.toString()).isTrue();
        assertThat(http.lockHeld(k)).as("GET /api/v1/stats shows the holder").isTrue();
    }

    @Test
    void theSessionKeyIsRequiredAndAWrongOneLooksLikeNoSession() throws Exception {
        String session = http.createSession();
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<String, Integer> statusWithKey = key -> {
            var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + sb.port() + API
                    + "/sessions/" + session + "/ops/stats")).POST(java.net.http.HttpRequest.BodyPublishers.noBody());
            if (key != null) b.header("X-Switchboard-Key", key);
            try {
                return client.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertThat(statusWithKey.apply(null)).isEqualTo(404);
        assertThat(statusWithKey.apply("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).isEqualTo(404);
        assertThat(statusWithKey.apply(NativeHttp.SESSION_KEYS.get(session))).isEqualTo(200);
        // A browser presents the key as the cookie it was given.
        var withCookie = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + sb.port() + API
                + "/sessions/" + session + "/ops/stats")).header("Cookie", "sb_key=" + NativeHttp.SESSION_KEYS.get(session))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build();
        assertThat(client.send(withCookie, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
}
