package dev.switchboard.server.http.nativeapi;

import static dev.switchboard.server.http.nativeapi.NativeHttp.assertError;
import static dev.switchboard.server.http.nativeapi.NativeHttp.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.nativeapi.NativeHttp.Resp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With an idle timeout of {@value #IDLE_MS} ms, a native session without requests for twice as
 * long is reaped and its locks go; an open SSE stream or a waiting request keeps it alive. The
 * server runs on a virtual clock: the tests move time past the idle timeout instead of waiting.
 */
class NativeIdleReapTest {
    private static final long IDLE_MS = 300;
    private static final String ADMIN_TOKEN = "idle-reap-admin-token";
    private static final VirtualClock CLOCK = new VirtualClock();
    private static Switchboard sb;
    private static NativeHttp http;

    @BeforeAll
    static void start() {
        sb = NativeHttp.config().clock(CLOCK).adminToken(ADMIN_TOKEN)
                .httpSessionIdleTimeout(Duration.ofMillis(IDLE_MS)).start();
        http = new NativeHttp(sb.port());
    }


    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void anIdleSessionIsReapedAndItsLockGoesToTheWaiter() {
        String idle = http.createSession();
        String waiter = http.createSession();
        String k = key("reap");
        http.ok(idle, "lock.acquire", "{\"key\":\"" + k + "\",\"lease_ms\":600000}");
        // The waiter's request in flight keeps it alive, however long it waits.
        CompletableFuture<Resp> waiting = http.opAsync(Duration.ofSeconds(15), waiter, "lock.acquire",
                "{\"key\":\"" + k + "\",\"timeout_ms\":10000}");
        http.awaitLockWaiters(k, 1);
        // Past twice the idle timeout: the reaper (every IDLE_MS) ends the idle holder, not the waiter.
        CLOCK.advance(Duration.ofMillis(4 * IDLE_MS));
        Resp r = NativeHttp.join(waiting, Duration.ofSeconds(15));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("status").asString()).as("the reaped holder's lock went to the waiter: " + r).isEqualTo("acquired");
        assertError(http.op(idle, "stats", null), 404, "session_not_found");
        assertThat(http.ok(waiter, "stats", null).has("locks")).isTrue();
    }

    @Test
    void anOpenStreamKeepsTheSessionAlive() {
        String streaming = http.createSession();
        String k = key("alive");
        String t = http.acquire(streaming, k);
        try (SseClient sse = SseClient.open(sb.port(), streaming, null)) {
            sse.expectRetry();
            // A session without a stream, idle as long, is reaped meanwhile (only looked at once the
            // wait is over: any request would count as activity).
            String control = http.createSession();
            CLOCK.advance(Duration.ofMillis(7 * IDLE_MS));
            Awaitility.await("an idle session without a stream is reaped").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> http.op(control, "stats", null).status() == 404);
            assertThat(sse.ended()).as("the stream stays open").isFalse();
            assertThat(http.lockHeld(k)).as("the streaming session still holds its lock").isTrue();
            String other = http.createSession();
            assertThat(http.ok(other, "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":0}").path("status").asString())
                    .isEqualTo("timeout");
        }
        // The session survived the stream: its token is still good.
        http.release(streaming, k, t);
    }

    @Test
    void aWaitingPollKeepsTheSessionAlive() {
        String polling = http.createSession();
        String k = key("poll-alive");
        String t = http.acquire(polling, k);
        CompletableFuture<Resp> poll = http.pollAsync(polling, 0, 6 * IDLE_MS);
        Awaitility.await("the poll is waiting").atMost(NativeHttp.TIMEOUT).pollInterval(Duration.ofMillis(10))
                .until(() -> http.adminView(polling, ADMIN_TOKEN).path("connections").asInt() == 1);
        // Time moves in small steps until the poll times out (its timer is set on the event loop just
        // after the attach shows): the reaper runs every IDLE_MS meanwhile and leaves the session be.
        long startNanos = CLOCK.nanoTime();
        Awaitility.await("the poll times out").atMost(NativeHttp.TIMEOUT).pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    CLOCK.advance(Duration.ofMillis(20));
                    return poll.isDone();
                });
        assertThat(Duration.ofNanos(CLOCK.nanoTime() - startNanos)).isGreaterThanOrEqualTo(Duration.ofMillis(6 * IDLE_MS));
        Resp r = NativeHttp.join(poll, NativeHttp.TIMEOUT);
        assertThat(r.status()).as(r.toString()).isEqualTo(204);
        http.release(polling, k, t);
    }
}
