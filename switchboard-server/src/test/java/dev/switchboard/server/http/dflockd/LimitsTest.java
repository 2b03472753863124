package dev.switchboard.server.http.dflockd;

import static dev.switchboard.server.http.dflockd.Http.SESSION;
import static dev.switchboard.server.http.dflockd.Http.assertError;
import static dev.switchboard.server.http.dflockd.Http.assertJson;
import static dev.switchboard.server.http.dflockd.Http.grant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.time.VirtualClock;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.http.dflockd.Http.Resp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** §2.5 errors that need special settings: 503 max_locks / max_waiters and 409 lease_expired. */
class LimitsTest {

    @Test
    void maxLocksIs503WithGoErrorText() {
        try (Switchboard sb = Http.config().maxLocks(2).start()) {
            Http http = new Http(sb.port());
            String sid = http.createSession();
            grant(http.lock(sid, "key1", "", "{\"acquire_timeout_s\":0}"), "ok", 33);
            grant(http.sem(sid, "key2", "", "{\"acquire_timeout_s\":0,\"limit\":2}"), "ok", 33);
            assertJson(http.lock(sid, "key3", "", "{\"acquire_timeout_s\":0}"), 503,
                    "{\"error\":\"max_locks\",\"detail\":\"max locks reached\"}");
            assertJson(http.lock(sid, "key3", "enqueue", null), 503,
                    "{\"error\":\"max_locks\",\"detail\":\"max locks reached\"}");
            assertJson(http.sem(sid, "key4", "", "{\"acquire_timeout_s\":0,\"limit\":1}"), 503,
                    "{\"error\":\"max_locks\",\"detail\":\"max locks reached\"}");
        }
    }

    @Test
    void maxWaitersIs503() {
        try (Switchboard sb = Http.config().maxWaiters(1).start()) {
            Http http = new Http(sb.port());
            String s1 = http.createSession();
            String s2 = http.createSession();
            String s3 = http.createSession();
            String t = grant(http.lock(s1, "mykey", "", "{\"acquire_timeout_s\":0}"), "ok", 33);
            CompletableFuture<Resp> waiting = http.lockAsync(s2, "mykey", "", "{\"acquire_timeout_s\":10}");
            http.awaitLockWaiters("mykey", 1);
            assertError(http.lock(s3, "mykey", "", "{\"acquire_timeout_s\":10}"), 503, "max_waiters");
            assertError(http.lock(s3, "mykey", "enqueue", null), 503, "max_waiters");
            http.release(s1, "mykey", t);
            grant(Http.join(waiting), "ok", 33);

            String sem = "semkey";
            String st = grant(http.sem(s1, sem, "", "{\"acquire_timeout_s\":0,\"limit\":1}"), "ok", 33);
            CompletableFuture<Resp> semWait = http.postAsync("/v1/semaphores/" + sem, "{\"acquire_timeout_s\":10,\"limit\":1}", SESSION, s2);
            org.awaitility.Awaitility.await().atMost(Http.TIMEOUT)
                    // A semaphore of limit 1 is listed under "locks" (stats classify by limit, §1.7).
                    .until(() -> Http.entryInt(http.stats(), "locks", sem, "waiters")
                            + Http.entryInt(http.stats(), "semaphores", sem, "waiters") == 1);
            assertError(http.sem(s3, sem, "enqueue", "{\"limit\":1}"), 503, "max_waiters");
            assertThat(semWait).isNotDone();
            releaseSem(http, s1, sem, st);
            grant(Http.join(semWait), "ok", 33);
        }
    }

    private static void releaseSem(Http http, String sid, String sem, String token) {
        assertThat(http.sem(sid, sem, "release", "{\"token\":\"" + token + "\"}").status()).isEqualTo(204);
    }

    @Test
    void waitAfterThePreGrantedLeaseRanOutIsLeaseExpired() {
        // No sweeper run during the test, so the expired holder is still there when the wait arrives (S7).
        VirtualClock clock = new VirtualClock();
        try (Switchboard sb = Http.config().clock(clock).leaseSweepInterval(Duration.ofHours(1)).start()) {
            Http http = new Http(sb.port());
            String sid = http.createSession();
            grant(http.lock(sid, "k1", "enqueue", "{\"lease_ttl_s\":1}"), "acquired", 1);
            grant(http.sem(sid, "s1", "enqueue", "{\"limit\":2,\"lease_ttl_s\":1}"), "acquired", 1);
            clock.advance(Duration.ofMillis(1300)); // past both 1 s leases
            assertError(http.lock(sid, "k1", "wait", "{\"timeout_s\":1}"), 409, "lease_expired");
            assertError(http.sem(sid, "s1", "wait", "{\"timeout_s\":1}"), 409, "lease_expired");
            // The expired holder was evicted with it.
            String other = http.createSession();
            grant(http.lock(other, "k1", "", "{\"acquire_timeout_s\":0}"), "ok", 33);
        }
    }
}
