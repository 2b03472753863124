package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static dev.switchboard.server.http.dflockd.Http.assertJsonMatches;
import static dev.switchboard.server.http.dflockd.Http.assertNoContent;
import static dev.switchboard.server.http.dflockd.Http.grant;
import static dev.switchboard.server.http.dflockd.Http.key;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * §2.3: with an idle timeout of 1 s a session unseen for 2 s is reaped; its locks are released and
 * it answers 410. The server runs on a virtual clock: the tests move time instead of waiting it out.
 */
class IdleReapTest {
    private static final VirtualClock CLOCK = new VirtualClock();
    private static Switchboard sb;
    private static Http http;

    @BeforeAll
    static void start() {
        sb = Http.config().clock(CLOCK).httpSessionIdleTimeout(Duration.ofSeconds(1)).start();
        http = new Http(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void idleSessionIsReapedAndItsLockGoesToTheNextWaiter() {
        String sid = assertJsonMatches(http.post("/v1/sessions", null), 200,
                "\\{\"session_id\":\"([0-9a-f]{32})\",\"idle_timeout_s\":1\\}\n").group(1);
        String waiter = http.createSession();
        String k = key("reap");
        grant(http.lock(sid, k, "", "{\"acquire_timeout_s\":0,\"lease_ttl_s\":600}"), "ok", 600);

        // A waiter with a request in flight is not reaped, however long it waits.
        CompletableFuture<Resp> waiting = http.lockAsync(Duration.ofSeconds(8), waiter, k, "", "{\"acquire_timeout_s\":30}");
        http.awaitLockWaiters(k, 1);
        // The reaper looks every second and ends what was unseen for over 2 s: the holder, not the waiter.
        CLOCK.advance(Duration.ofSeconds(4));
        grant(Http.join(waiting, Duration.ofSeconds(8)), "ok", 33);

        await("reaped session answers 410").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> http.post("/v1/sessions/" + sid + "/ping", null).status() == 410);
        assertJson(http.post("/v1/sessions/" + sid + "/ping", null), 410, "{\"error\":\"session_gone\"}");
        assertJson(http.lock(sid, k, "", "{\"acquire_timeout_s\":0}"), 410, "{\"error\":\"session_gone\"}");
        assertNoContent(http.post("/v1/sessions/" + waiter + "/ping", null));
    }

    @Test
    void pingingKeepsASessionAlive() {
        String sid = http.createSession();
        // 3.6 s, well past the 2 s after which an unseen session is reaped, with a ping every 300 ms.
        for (int i = 0; i < 12; i++) {
            assertNoContent(http.post("/v1/sessions/" + sid + "/ping", null));
            CLOCK.advance(Duration.ofMillis(300));
        }
        grant(http.lock(sid, key("alive"), "", "{\"acquire_timeout_s\":0}"), "ok", 33);
    }
}
