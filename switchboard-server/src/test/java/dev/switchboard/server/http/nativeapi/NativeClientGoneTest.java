package dev.switchboard.server.http.nativeapi;

import static dev.switchboard.server.http.nativeapi.NativeHttp.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.net.Socket;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A client that closes its connection while its acquire waits leaks no queue place and no token. */
class NativeClientGoneTest {
    private static final String ADMIN_TOKEN = "client-gone-admin-token";
    private static Switchboard sb;
    private static NativeHttp http;

    @BeforeAll
    static void start() {
        sb = NativeHttp.config().adminToken(ADMIN_TOKEN).start();
        http = new NativeHttp(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    /** Sends a waiting lock request on a raw connection and returns the open socket. */
    private static Socket rawRequest(String session, String op, String body) throws Exception {
        return PendingHttpRequest.post(sb.port(), NativeHttp.API + "/sessions/" + session + "/ops/" + op, body,
                "X-Switchboard-Key", NativeHttp.SESSION_KEYS.get(session));
    }

    @Test
    void aClientGoneMidAcquireLeavesTheQueueAndLeaksNoToken() throws Exception {
        String holder = http.createSession();
        String gone = http.createSession();
        String third = http.createSession();
        String k = key("gone");
        String t = http.acquire(holder, k);

        try (Socket s = rawRequest(gone, "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":30000}")) {
            http.awaitLockWaiters(k, 1);
        }
        http.awaitLockWaiters(k, 0);

        // Once the holder releases, the lock is free: the gone client got no grant behind anyone's back.
        http.release(holder, k, t);
        Awaitility.await("the lock is free").atMost(NativeHttp.TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> !http.lockHeld(k));
        http.acquire(third, k);
        // The gone client's session itself is still usable.
        JsonNode stats = http.ok(gone, "stats", null);
        assertThat(stats.has("locks")).isTrue();
    }

    @Test
    void aClientGoneMidWaitLeavesTheQueue() throws Exception {
        String holder = http.createSession();
        String gone = http.createSession();
        String third = http.createSession();
        String k = key("gone-wait");
        String t = http.acquire(holder, k);
        assertThat(http.ok(gone, "lock.enqueue", "{\"key\":\"" + k + "\"}").path("status").asString()).isEqualTo("queued");
        http.awaitLockWaiters(k, 1);
        try (Socket s = rawRequest(gone, "lock.wait", "{\"key\":\"" + k + "\",\"timeout_ms\":30000}")) {
            Awaitility.await("the wait is pending").atMost(NativeHttp.TIMEOUT).pollInterval(Duration.ofMillis(10))
                    .until(() -> http.adminView(gone, ADMIN_TOKEN).path("requests_in_flight").asInt() == 1);
        }
        http.awaitLockWaiters(k, 0);
        http.release(holder, k, t);
        Awaitility.await("the lock is free").atMost(NativeHttp.TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> !http.lockHeld(k));
        http.acquire(third, k);
    }

    @Test
    void manyClientsGoneMidAcquireLeaveNoWaiter() throws Exception {
        String holder = http.createSession();
        String k = key("gone-many");
        String t = http.acquire(holder, k);
        Socket[] sockets = new Socket[5];
        for (int i = 0; i < sockets.length; i++) {
            sockets[i] = rawRequest(http.createSession(), "lock.acquire", "{\"key\":\"" + k + "\",\"timeout_ms\":30000}");
        }
        http.awaitLockWaiters(k, sockets.length);
        for (Socket s : sockets) s.close();
        http.awaitLockWaiters(k, 0);
        http.release(holder, k, t);
        http.acquire(http.createSession(), k);
    }
}
