package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.SESSION;
import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static dev.switchboard.server.http.dflockd.Http.assertNoContent;
import static dev.switchboard.server.http.dflockd.Http.grant;
import static dev.switchboard.server.http.dflockd.Http.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Sessions as virtual connections (§2.2, §2.3): one request at a time per session (ping and
 * DELETE excepted), long polls ended by DELETE, clients that leave mid-wait, and one FIFO queue
 * shared with TCP clients (§2.1).
 */
class SessionLifecycleTest {
    private static final Duration QUIET = Duration.ofMillis(500);
    private static final String ADMIN_TOKEN = "lifecycle-admin-token";
    private static Switchboard sb;
    private static Http http;

    @BeforeAll
    static void start() {
        sb = Http.config().adminToken(ADMIN_TOKEN).start();
        http = new Http(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void requestsOfOneSessionRunOneAfterTheOtherButPingIsNotBlocked() {
        String holder = http.createSession();
        String sid = http.createSession();
        String a = key("serialA");
        String b = key("serialB");
        String ta = http.acquire(holder, a);

        CompletableFuture<Resp> blocking = http.lockAsync(sid, a, "", "{\"acquire_timeout_s\":10}");
        http.awaitLockWaiters(a, 1);
        CompletableFuture<Resp> tryB = http.lockAsync(sid, b, "", "{\"acquire_timeout_s\":0}");

        // The try-acquire of a free key waits for the session's earlier request.
        await("second request of the session stays pending").during(QUIET).atMost(QUIET.multipliedBy(4))
                .until(() -> !tryB.isDone());
        assertThat(Http.entry(http.stats(), "locks", b)).as("key B untouched while A blocks").isNull();

        // Ping bypasses the per-session queue.
        assertNoContent(http.post("/v1/sessions/" + sid + "/ping", null));
        assertThat(tryB).isNotDone();

        http.release(holder, a, ta);
        grant(Http.join(blocking), "ok", 33);
        grant(Http.join(tryB), "ok", 33);
    }

    @Test
    void deletingASessionEndsItsLongPollAtOnceWith410() {
        String holder = http.createSession();
        String sid = http.createSession();
        String k = key("delwait");
        http.acquire(holder, k);

        CompletableFuture<Resp> acquire = http.lockAsync(sid, k, "", "{\"acquire_timeout_s\":60}");
        http.awaitLockWaiters(k, 1);
        // DELETE is not queued behind the wait, and the wait answers 410 well before its 60 s.
        assertNoContent(http.delete("/v1/sessions/" + sid));
        assertJson(Http.join(acquire), 410, "{\"error\":\"session_gone\"}");
        http.awaitLockWaiters(k, 0);
    }

    @Test
    void requestsQueuedBehindAWaitOfADeletedSessionAre410Too() {
        String holder = http.createSession();
        String sid = http.createSession();
        String a = key("delqA");
        String b = key("delqB");
        http.acquire(holder, a);
        CompletableFuture<Resp> blocking = http.lockAsync(sid, a, "", "{\"acquire_timeout_s\":60}");
        http.awaitLockWaiters(a, 1);
        CompletableFuture<Resp> queued = http.lockAsync(sid, b, "", "{\"acquire_timeout_s\":0}");
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !queued.isDone());
        assertNoContent(http.delete("/v1/sessions/" + sid));
        assertJson(Http.join(blocking), 410, "{\"error\":\"session_gone\"}");
        // Its turn came after the session closed (§2.2 step 4).
        assertJson(Http.join(queued), 410, "{\"error\":\"session_gone\"}");
        assertThat(Http.entry(http.stats(), "locks", b)).as("key B never granted").isNull();
    }

    @Test
    void deletingASessionEndsItsTwoPhaseWaitWith410() {
        String holder = http.createSession();
        String sid = http.createSession();
        String k = key("delwait2");
        http.acquire(holder, k);
        assertJson(http.lock(sid, k, "enqueue", null), 200, "{\"status\":\"queued\"}");
        CompletableFuture<Resp> wait = http.lockAsync(sid, k, "wait", "{\"timeout_s\":60}");
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !wait.isDone());
        assertNoContent(http.delete("/v1/sessions/" + sid));
        assertJson(Http.join(wait), 410, "{\"error\":\"session_gone\"}");
    }

    @Test
    void aClientThatLeavesMidWaitLeaksNoToken() {
        String holder = http.createSession();
        String leaver = http.createSession();
        String later = http.createSession();
        String k = key("gone");
        String t1 = http.acquire(holder, k);

        try (RawHttp raw = new RawHttp(sb.port())) {
            raw.write(RawHttp.request("POST", "/v1/locks/" + k, "{\"acquire_timeout_s\":30}", SESSION, leaver));
            http.awaitLockWaiters(k, 1);
        }
        // The gone client's place in the queue is given up.
        http.awaitLockWaiters(k, 0);
        http.release(holder, k, t1);

        await("no holder remains for " + k).atMost(Http.TIMEOUT).pollInterval(Duration.ofMillis(20)).until(() -> {
            JsonNode stats = http.stats();
            return Http.entry(stats, "locks", k) == null && Http.entry(stats, "idle_locks", k) != null;
        });
        grant(http.lock(later, k, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
        // The leaver's session lives on and holds nothing.
        assertNoContent(http.post("/v1/sessions/" + leaver + "/ping", null));
        assertJson(http.lock(leaver, k, "", "{\"acquire_timeout_s\":0}"), 200, "{\"status\":\"timeout\"}");
    }

    @Test
    void aClientThatLeavesAfterQueuedLeaksNoTokenEither() {
        String holder = http.createSession();
        String leaver = http.createSession();
        String later = http.createSession();
        String k = key("gone2");
        String t1 = http.acquire(holder, k);
        try (RawHttp raw = new RawHttp(sb.port())) {
            raw.write(RawHttp.request("POST", "/v1/locks/" + k + "/enqueue", null, SESSION, leaver));
            RawHttp.Response r = raw.readResponse();
            assertThat(r.body()).isEqualTo("{\"status\":\"queued\"}\n");
            raw.write(RawHttp.request("POST", "/v1/locks/" + k + "/wait", "{\"timeout_s\":30}", SESSION, leaver));
            // The wait has arrived when the session shows it in flight (stats do not: the waiter exists since the enqueue).
            await("the wait is in flight").atMost(Http.TIMEOUT).pollInterval(Duration.ofMillis(10))
                    .until(() -> http.get("/api/v1/admin/sessions/" + leaver, "X-Switchboard-Admin", ADMIN_TOKEN)
                            .json().path("requests_in_flight").asInt() == 1);
        }
        http.awaitLockWaiters(k, 0);
        http.release(holder, k, t1);
        await("no holder remains for " + k).atMost(Http.TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> Http.entry(http.stats(), "locks", k) == null);
        grant(http.lock(later, k, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
    }

    @Test
    void tcpClientsAndHttpSessionsShareOneFifoQueue() {
        String k = key("fifo");
        String s1 = http.createSession();
        String s2 = http.createSession();
        try (TcpLine c1 = new TcpLine(sb.port()); TcpLine c2 = new TcpLine(sb.port())) {
            String tc1 = c1.lock(k, "10", 33);
            CompletableFuture<Resp> h1 = http.lockAsync(s1, k, "", "{\"acquire_timeout_s\":10}");
            http.awaitLockWaiters(k, 1);
            c2.send("l\n" + k + "\n10\n");
            http.awaitLockWaiters(k, 2);
            CompletableFuture<Resp> h2 = http.lockAsync(s2, k, "", "{\"acquire_timeout_s\":10}");
            http.awaitLockWaiters(k, 3);

            assertThat(c1.call("r\n" + k + "\n" + tc1 + "\n")).isEqualTo("ok");
            String th1 = grant(Http.join(h1), "ok", 33);
            assertThat(th1).isGreaterThan(tc1);
            c2.assertSilentFor(Duration.ofMillis(200));
            assertThat(h2).isNotDone();

            http.release(s1, k, th1);
            String line = c2.line();
            assertThat(line).matches("ok [0-9a-f]{32} 33");
            String tc2 = line.split(" ")[1];
            assertThat(tc2).isGreaterThan(th1);
            assertThat(h2).isNotDone();

            assertThat(c2.call("r\n" + k + "\n" + tc2 + "\n")).isEqualTo("ok");
            assertThat(grant(Http.join(h2), "ok", 33)).isGreaterThan(tc2);
        }
    }

    @Test
    void aTokenIsNotBoundToTheSessionThatGotIt() {
        // Release, like TCP r, frees the slot whoever sends the token.
        String s1 = http.createSession();
        String s2 = http.createSession();
        String k = key("foreign");
        String t = http.acquire(s1, k);
        http.release(s2, k, t);
        grant(http.lock(s2, k, "", "{\"acquire_timeout_s\":0}"), "ok", 33);
    }
}
