package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.SESSION;
import static dev.switchboard.server.http.dflockd.Http.assertBadRequest;
import static dev.switchboard.server.http.dflockd.Http.assertError;
import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static dev.switchboard.server.http.dflockd.Http.assertJsonMatches;
import static dev.switchboard.server.http.dflockd.Http.assertNoContent;
import static dev.switchboard.server.http.dflockd.Http.grant;
import static dev.switchboard.server.http.dflockd.Http.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Scenario S14 and every route of §2.4 with its 2xx body, the body and path validation of §2.2 and
 * the error mapping of §2.5 that a single node with default settings can produce.
 */
class RoutesTest {
    private static Switchboard sb;
    private static Http http;

    @BeforeAll
    static void start() {
        sb = Http.config().start();
        http = new Http(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    // ---- S14 ---------------------------------------------------------------------------------------

    @Test
    void s14ByteForByte() {
        Resp created = http.post("/v1/sessions", null);
        String sid = assertJsonMatches(created, 200, "\\{\"session_id\":\"([0-9a-f]{32})\",\"idle_timeout_s\":20\\}\n").group(1);

        Resp acquired = http.post("/v1/locks/deploy-job", "{\"acquire_timeout_s\":10,\"lease_ttl_s\":60}", SESSION, sid);
        String token = grant(acquired, "ok", 60);

        assertJson(http.post("/v1/locks/deploy-job", "{\"acquire_timeout_s\":10,\"lease_ttl_s\":60}"), 400,
                "{\"error\":\"bad_request\",\"detail\":\"X-Dflockd-Session header required\"}");

        assertNoContent(http.post("/v1/locks/deploy-job/release", "{\"token\":\"" + token + "\"}", SESSION, sid));
        assertJson(http.post("/v1/locks/deploy-job/release", "{\"token\":\"" + token + "\"}", SESSION, sid), 404,
                "{\"error\":\"not_held\"}");

        assertNoContent(http.delete("/v1/sessions/" + sid));
        assertJson(http.delete("/v1/sessions/" + sid), 410, "{\"error\":\"session_gone\"}");
    }

    // ---- locks -------------------------------------------------------------------------------------

    @Test
    void lockAcquireAppliesTheRequestedOrDefaultLease() {
        String sid = http.createSession();
        String k1 = key("lease");
        String k2 = key("lease");
        String k3 = key("lease");
        String k4 = key("lease");
        grant(http.lock(sid, k1, "", "{\"acquire_timeout_s\":0,\"lease_ttl_s\":60}"), "ok", 60);
        grant(http.lock(sid, k2, "", "{\"acquire_timeout_s\":0,\"lease_ttl_s\":0}"), "ok", 33);
        grant(http.lock(sid, k3, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
        grant(http.lock(sid, k4, "", "{}"), "ok", 33);
    }

    @Test
    void tryAcquireOfAHeldLockTimesOutWith200() {
        String holder = http.createSession();
        String other = http.createSession();
        String k = key("held");
        String token = http.acquire(holder, k);
        assertJson(http.lock(other, k, "", "{\"acquire_timeout_s\":0}"), 200, "{\"status\":\"timeout\"}");
        assertJson(http.lock(other, k, "", "{\"acquire_timeout_s\":1}"), 200, "{\"status\":\"timeout\"}");
        http.release(holder, k, token);
        grant(http.lock(other, k, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
    }

    @Test
    void renewAnswersTheAppliedLease() {
        String sid = http.createSession();
        String k = key("renew");
        String token = http.acquire(sid, k);
        assertJson(http.lock(sid, k, "renew", "{\"token\":\"" + token + "\"}"), 200, "{\"remaining_s\":33}");
        assertJson(http.lock(sid, k, "renew", "{\"token\":\"" + token + "\",\"lease_ttl_s\":45}"), 200, "{\"remaining_s\":45}");
        assertJson(http.lock(sid, k, "renew", "{\"token\":\"" + token + "\",\"lease_ttl_s\":0}"), 200, "{\"remaining_s\":33}");
        assertJson(http.lock(sid, k, "renew", "{\"token\":\"badtoken\"}"), 404, "{\"error\":\"not_held\"}");
        http.release(sid, k, token);
        assertJson(http.lock(sid, k, "renew", "{\"token\":\"" + token + "\"}"), 404, "{\"error\":\"not_held\"}");
    }

    @Test
    void releaseOfAnUnknownKeyOrForeignFormatTokenIsNotHeld() {
        String sid = http.createSession();
        // The runtime does not enforce the OpenAPI token pattern: a non-hex token is simply not held.
        assertJson(http.lock(sid, key("never"), "release", "{\"token\":\"wrongtoken\"}"), 404, "{\"error\":\"not_held\"}");
        assertJson(http.sem(sid, key("never"), "release", "{\"token\":\"wrongtoken\"}"), 404, "{\"error\":\"not_held\"}");
    }

    @Test
    void lockEnqueueBodyIsOptionalAndWaitReturnsTheSameToken() {
        String sid = http.createSession();
        String k = key("enq");
        String token = grant(http.lock(sid, k, "enqueue", null), "acquired", 33);
        assertError(http.lock(sid, k, "enqueue", null), 409, "already_enqueued");
        assertThat(grant(http.lock(sid, k, "wait", "{\"timeout_s\":10}"), "ok", 33)).isEqualTo(token);
        http.release(sid, k, token);

        String k2 = key("enq");
        String t2 = grant(http.lock(sid, k2, "enqueue", "{\"lease_ttl_s\":50}"), "acquired", 50);
        assertThat(grant(http.lock(sid, k2, "wait", "{\"timeout_s\":1}"), "ok", 50)).isEqualTo(t2);

        grant(http.lock(sid, key("enq"), "enqueue", "{}"), "acquired", 33);
        grant(http.lock(sid, key("enq"), "enqueue", "{\"lease_ttl_s\":0}"), "acquired", 33);
    }

    @Test
    void queuedEnqueueTimesOutThenIsNotEnqueuedAndALaterWaiterIsGrantedOnRelease() {
        String s1 = http.createSession();
        String s2 = http.createSession();
        String s3 = http.createSession();
        String k = key("twophase");
        String t1 = http.acquire(s1, k);

        assertJson(http.lock(s2, k, "enqueue", null), 200, "{\"status\":\"queued\"}");
        assertJson(http.lock(s2, k, "wait", "{\"timeout_s\":0}"), 200, "{\"status\":\"timeout\"}");
        assertError(http.lock(s2, k, "wait", "{\"timeout_s\":0}"), 409, "not_enqueued");

        assertJson(http.lock(s3, k, "enqueue", "{\"lease_ttl_s\":40}"), 200, "{\"status\":\"queued\"}");
        CompletableFuture<Resp> wait = http.lockAsync(s3, k, "wait", "{\"timeout_s\":10}");
        http.awaitLockWaiters(k, 1);
        assertThat(wait).isNotDone();
        http.release(s1, k, t1);
        String t3 = grant(Http.join(wait), "ok", 40);
        assertThat(t3).isNotEqualTo(t1).isGreaterThan(t1);
    }

    @Test
    void waitWithoutEnqueueIsNotEnqueued() {
        String sid = http.createSession();
        assertError(http.lock(sid, key("noenq"), "wait", "{\"timeout_s\":1}"), 409, "not_enqueued");
        assertError(http.sem(sid, key("noenq"), "wait", "{\"timeout_s\":1}"), 409, "not_enqueued");
    }

    @Test
    void keysAreOnePercentDecodedSegmentOfAtMost256Bytes() {
        String sid = http.createSession();
        String slash = key("a") + "%2Fb";
        String token = grant(http.lock(sid, slash, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
        String decoded = slash.replace("%2F", "/");
        assertThat(Http.entry(http.stats(), "locks", decoded)).as("stats entry for " + decoded).isNotNull();
        http.release(sid, slash, token);

        String k256 = "k".repeat(256);
        grant(http.lock(sid, k256, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
        assertBadRequest(http.lock(sid, "k".repeat(257), "", "{\"acquire_timeout_s\":0}"));
        assertBadRequest(http.lock(sid, "my%20key", "", "{\"acquire_timeout_s\":0}"));
        assertBadRequest(http.lock(sid, "my%09key", "", "{\"acquire_timeout_s\":0}"));
        assertBadRequest(http.sem(sid, "my%20key", "", "{\"acquire_timeout_s\":0,\"limit\":1}"));
    }

    @Test
    void largestSecondsValuesAreAccepted() {
        String sid = http.createSession();
        String other = http.createSession();
        String k = key("max");
        grant(http.lock(sid, k, "", "{\"acquire_timeout_s\":9223372036,\"lease_ttl_s\":9223372036}"), "ok", 9223372036L);
        // The lease really runs: the key stays held.
        assertJson(http.lock(other, k, "", "{\"acquire_timeout_s\":1}"), 200, "{\"status\":\"timeout\"}");
    }

    // ---- semaphores --------------------------------------------------------------------------------

    @Test
    void semaphoreRoutes() {
        String s1 = http.createSession();
        String s2 = http.createSession();
        String s3 = http.createSession();
        String k = key("sem");
        String t1 = grant(http.sem(s1, k, "", "{\"acquire_timeout_s\":0,\"limit\":2}"), "ok", 33);
        String t2 = grant(http.sem(s2, k, "", "{\"acquire_timeout_s\":0,\"limit\":2,\"lease_ttl_s\":70}"), "ok", 70);
        assertJson(http.sem(s3, k, "", "{\"acquire_timeout_s\":0,\"limit\":2}"), 200, "{\"status\":\"timeout\"}");
        assertError(http.sem(s3, k, "", "{\"acquire_timeout_s\":0,\"limit\":3}"), 409, "limit_mismatch");
        assertError(http.sem(s3, k, "enqueue", "{\"limit\":5}"), 409, "limit_mismatch");

        JsonNode e = Http.entry(http.stats(), "semaphores", k);
        assertThat(e).as("stats semaphore entry").isNotNull();
        assertThat(e.get("limit").asInt()).isEqualTo(2);
        assertThat(e.get("holders").asInt()).isEqualTo(2);

        assertJson(http.sem(s1, k, "renew", "{\"token\":\"" + t1 + "\"}"), 200, "{\"remaining_s\":33}");
        assertJson(http.sem(s1, k, "renew", "{\"token\":\"" + t1 + "\",\"lease_ttl_s\":12}"), 200, "{\"remaining_s\":12}");

        assertJson(http.sem(s3, k, "enqueue", "{\"limit\":2}"), 200, "{\"status\":\"queued\"}");
        assertError(http.sem(s3, k, "enqueue", "{\"limit\":2}"), 409, "already_enqueued");
        CompletableFuture<Resp> wait = http.postAsync("/v1/semaphores/" + k + "/wait", "{\"timeout_s\":10}", SESSION, s3);
        assertNoContent(http.sem(s2, k, "release", "{\"token\":\"" + t2 + "\"}"));
        String t3 = grant(Http.join(wait), "ok", 33);
        assertThat(t3).isNotIn(t1, t2);
        assertJson(http.sem(s2, k, "release", "{\"token\":\"" + t2 + "\"}"), 404, "{\"error\":\"not_held\"}");
        assertNoContent(http.sem(s1, k, "release", "{\"token\":\"" + t1 + "\"}"));
    }

    @Test
    void semaphoreEnqueueNeedsABodyWithALimit() {
        String sid = http.createSession();
        String k = key("semenq");
        assertBadRequest(http.sem(sid, k, "enqueue", null));
        assertBadRequest(http.sem(sid, k, "enqueue", "{}"));
        assertBadRequest(http.sem(sid, k, "enqueue", "{\"lease_ttl_s\":5}"));
        String t = grant(http.sem(sid, k, "enqueue", "{\"limit\":1,\"lease_ttl_s\":44}"), "acquired", 44);
        assertThat(grant(http.sem(sid, k, "wait", "{\"timeout_s\":0}"), "ok", 44)).isEqualTo(t);
    }

    @Test
    void lockAndSemaphoreNamespacesAreSeparate() {
        String sid = http.createSession();
        String k = key("dual");
        grant(http.sem(sid, k, "", "{\"acquire_timeout_s\":0,\"limit\":3}"), "ok", 33);
        grant(http.lock(sid, k, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
    }

    // ---- stats, openapi ----------------------------------------------------------------------------

    @Test
    void statsIsSessionlessTcpStatsJsonWithANewline() {
        String sid = http.createSession();
        String k = key("stat");
        http.acquire(sid, k);
        Resp r = http.get("/v1/stats");
        assertJsonMatches(r, 200, "\\{\"connections\":[0-9]+,\"locks\":\\[.*\\],\"semaphores\":\\[.*\\],"
                + "\"idle_locks\":\\[.*\\],\"idle_semaphores\":\\[.*\\]\\}\n");
        assertThat(r.body()).containsPattern("\\{\"key\":\"" + k + "\",\"owner_conn_id\":[1-9][0-9]*,\"lease_expires_in_s\":[0-9.]+,\"waiters\":0\\}");
    }

    @Test
    void openApiDocumentIsServed() {
        Resp r = http.get("/v1/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("Cache-Control")).isEqualTo("public, max-age=60");
        assertThat(r.json().get("openapi").asString()).startsWith("3.1");
    }

    // ---- routing errors ----------------------------------------------------------------------------

    @Test
    void unknownPathsAreNotFound() {
        assertJson(http.get("/nope"), 404, "{\"error\":\"not_found\"}");
        assertJson(http.post("/v1/locks/k/frobnicate", "{}"), 404, "{\"error\":\"not_found\"}");
        assertJson(http.get("/v1"), 404, "{\"error\":\"not_found\"}");
    }

    static Stream<Arguments> wrongMethods() {
        return Stream.of(
                Arguments.of("GET", "/v1/sessions", "POST"),
                Arguments.of("GET", "/v1/locks/k", "POST"),
                Arguments.of("DELETE", "/v1/locks/k/release", "POST"),
                Arguments.of("POST", "/health", "GET"),
                Arguments.of("POST", "/v1/stats", "GET"),
                Arguments.of("GET", "/v1/sessions/0123456789abcdef0123456789abcdef", "DELETE"),
                Arguments.of("GET", "/v1/sessions/0123456789abcdef0123456789abcdef/ping", "POST"),
                Arguments.of("POST", "/v1/signals", "GET"),
                Arguments.of("PUT", "/v1/semaphores/k/wait", "POST"));
    }

    @ParameterizedTest(name = "{0} {1} -> 405 Allow: {2}")
    @MethodSource("wrongMethods")
    void knownPathWithAnotherMethodIs405WithAllow(String method, String path, String allow) {
        Resp r = http.send(method, path, method.equals("GET") || method.equals("DELETE") ? null : "{}");
        assertJson(r, 405, "{\"error\":\"method_not_allowed\"}");
        assertThat(r.header("Allow")).as("Allow of " + r).isEqualTo(allow);
    }

    // ---- order of checks on session routes (§2.2) --------------------------------------------------

    @Test
    void sessionHeaderIsCheckedFirstThenTheSessionThenTheBody() {
        String sid = http.createSession();
        String k = key("order");
        String header = "{\"error\":\"bad_request\",\"detail\":\"X-Dflockd-Session header required\"}";
        assertJson(http.post("/v1/locks/" + k, "not json"), 400, header);
        assertJson(http.post("/v1/semaphores/" + k + "/wait", null), 400, header);
        assertJson(http.post("/v1/locks/" + k + "/enqueue", null), 400, header);

        String unknown = "0123456789abcdef0123456789abcdef";
        assertJson(http.lock(unknown, k, "", "not json"), 410, "{\"error\":\"session_gone\"}");
        assertJson(http.lock("not-a-session-id", k, "", "{\"acquire_timeout_s\":0}"), 410, "{\"error\":\"session_gone\"}");
        assertJson(http.sem(unknown, k, "enqueue", null), 410, "{\"error\":\"session_gone\"}");

        assertBadRequest(http.lock(sid, k, "", "not json"));
    }

    @Test
    void pingAndDeleteOfUnknownOrMalformedSessions() {
        String unknown = "fedcba9876543210fedcba9876543210";
        assertJson(http.post("/v1/sessions/" + unknown + "/ping", null), 410, "{\"error\":\"session_gone\"}");
        assertJson(http.delete("/v1/sessions/" + unknown), 410, "{\"error\":\"session_gone\"}");
        assertBadRequest(http.post("/v1/sessions/xyz/ping", null));
        String sid = http.createSession();
        assertNoContent(http.post("/v1/sessions/" + sid + "/ping", null));
    }

    @Test
    void deletingASessionReleasesItsLocks() {
        String sid = http.createSession();
        String other = http.createSession();
        String k = key("del");
        http.acquire(sid, k);
        assertNoContent(http.delete("/v1/sessions/" + sid));
        assertJson(http.lock(sid, k, "", "{\"acquire_timeout_s\":0}"), 410, "{\"error\":\"session_gone\"}");
        grant(http.lock(other, k, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
    }

    // ---- 400 bad_request ---------------------------------------------------------------------------

    static Stream<Arguments> badBodies() {
        String t257 = "t".repeat(257);
        return Stream.of(
                Arguments.of("locks", "", "{\"acquire_timeout_s\":", "truncated JSON"),
                Arguments.of("locks", "", "not json", "not JSON"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":0,\"bogus\":1}", "unknown field"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":0,\"limit\":1}", "limit on a lock"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":0}{\"acquire_timeout_s\":0}", "two JSON values"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":0} {}", "two JSON values, spaced"),
                Arguments.of("locks", "", null, "no body"),
                Arguments.of("locks", "", "[]", "an array"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":-1}", "negative timeout"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":9223372037}", "timeout above 9223372036"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":0,\"lease_ttl_s\":-1}", "negative lease"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":0,\"lease_ttl_s\":9223372037}", "lease above 9223372036"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":1.5}", "float timeout"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":1.0}", "float-looking integer"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":1e1}", "exponent number"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":\"1\"}", "string timeout"),
                Arguments.of("locks", "", "{\"acquire_timeout_s\":0,\"lease_ttl_s\":2.5}", "float lease"),
                Arguments.of("semaphores", "", "{\"acquire_timeout_s\":0,\"limit\":0}", "limit 0"),
                Arguments.of("semaphores", "", "{\"acquire_timeout_s\":0,\"limit\":-2}", "negative limit"),
                Arguments.of("semaphores", "", "{\"acquire_timeout_s\":0}", "missing limit"),
                Arguments.of("semaphores", "", "{\"acquire_timeout_s\":0,\"limit\":1.5}", "float limit"),
                Arguments.of("semaphores", "enqueue", "{\"limit\":0}", "enqueue limit 0"),
                Arguments.of("locks", "release", "{}", "missing token"),
                Arguments.of("locks", "release", "{\"token\":\"\"}", "empty token"),
                Arguments.of("locks", "release", "{\"token\":\"a b\"}", "token with a space"),
                Arguments.of("locks", "release", "{\"token\":\"a\\tb\"}", "token with a tab"),
                Arguments.of("locks", "release", "{\"token\":\"" + t257 + "\"}", "token of 257 bytes"),
                Arguments.of("locks", "release", "{\"token\":5}", "numeric token"),
                Arguments.of("locks", "release", "{\"token\":\"abc\",\"lease_ttl_s\":1}", "lease on release"),
                Arguments.of("locks", "release", null, "release without body"),
                Arguments.of("semaphores", "release", "{\"token\":\"a b\"}", "sem token with a space"),
                Arguments.of("locks", "renew", "{\"token\":\"a b\"}", "renew token with a space"),
                Arguments.of("locks", "renew", "{\"token\":\"abc\",\"lease_ttl_s\":-1}", "renew negative lease"),
                Arguments.of("semaphores", "renew", "{\"token\":\"abc\",\"lease_ttl_s\":9223372037}", "renew lease too large"),
                Arguments.of("locks", "wait", "{\"timeout_s\":-1}", "negative wait"),
                Arguments.of("locks", "wait", "{\"timeout_s\":9223372037}", "wait above 9223372036"),
                Arguments.of("locks", "wait", "{\"acquire_timeout_s\":1}", "acquire field on wait"),
                Arguments.of("semaphores", "wait", null, "wait without body"),
                Arguments.of("locks", "enqueue", "{\"lease_ttl_s\":-1}", "negative enqueue lease"),
                Arguments.of("locks", "enqueue", "{\"limit\":1}", "limit on lock enqueue"),
                Arguments.of("locks", "enqueue", "{} {}", "two values on lock enqueue"));
    }

    @ParameterizedTest(name = "{3}: POST /v1/{0}/k/{1}")
    @MethodSource("badBodies")
    void badBodiesAre400BadRequest(String kind, String sub, String body, String what) {
        String sid = http.createSession();
        String k = key("bad");
        Resp r = kind.equals("locks") ? http.lock(sid, k, sub, body) : http.sem(sid, k, sub, body);
        assertBadRequest(r);
        // Nothing happened: the key was not created.
        assertThat(Http.entry(http.stats(), "locks", k)).isNull();
        assertThat(Http.entry(http.stats(), "semaphores", k)).isNull();
    }

    @Test
    void bodyOfExactly1MiBIsReadAndOneByteMoreIs400() {
        String sid = http.createSession();
        String k = key("big");
        String json = "{\"token\":\"abc\"}";
        int cap = 1 << 20;
        String atCap = json + " ".repeat(cap - json.length());
        assertThat(atCap.getBytes(StandardCharsets.UTF_8)).hasSize(cap);
        try (RawHttp raw = new RawHttp(sb.port())) {
            RawHttp.Response r = raw.call("POST", "/v1/locks/" + k + "/release", atCap, SESSION, sid);
            assertThat(r.status()).as(r.toString()).isEqualTo(404);
            assertThat(r.body()).isEqualTo("{\"error\":\"not_held\"}\n");
        }
        try (RawHttp raw = new RawHttp(sb.port())) {
            String over = atCap + " ";
            String req = RawHttp.request("POST", "/v1/locks/" + k + "/release", null, SESSION, sid,
                    "Content-Length", String.valueOf(over.length()));
            raw.write(req);
            // The body may be refused before it is all sent; keep writing in the background.
            Thread writer = new Thread(() -> {
                try {
                    raw.socket().getOutputStream().write(over.getBytes(StandardCharsets.UTF_8));
                } catch (Exception ignored) {
                    // refused mid-body
                }
            });
            writer.setDaemon(true);
            writer.start();
            RawHttp.Response r = raw.readResponse();
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.header("X-Content-Type-Options")).as("X-Content-Type-Options of " + r).isEqualTo("nosniff");
            assertThat(Http.JSON.readTree(r.body()).get("error").asString()).isEqualTo("bad_request");
            assertThat(r.body()).endsWith("}\n");
        }
    }

    @Test
    void headersOnTheWireAreExact() {
        try (RawHttp raw = new RawHttp(sb.port())) {
            RawHttp.Response r = raw.call("GET", "/health", null);
            assertThat(r.head()).startsWith("HTTP/1.1 200 ");
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}\n");
            assertThat(r.header("Content-Length")).isEqualTo("16");
            // keep-alive: a second request on the same connection
            RawHttp.Response again = raw.call("GET", "/v1/sessions", null);
            assertThat(again.status()).isEqualTo(405);
            assertThat(again.header("Allow")).isEqualTo("POST");
        }
    }
}
