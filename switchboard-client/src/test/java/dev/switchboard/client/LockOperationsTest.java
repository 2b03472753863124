package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import tools.jackson.databind.JsonNode;

/** The low-level lock and semaphore operations against a real embedded server. */
class LockOperationsTest {
    private static final Duration LONG = Duration.ofSeconds(10);
    private static final AtomicInteger KEYS = new AtomicInteger();
    private static Switchboard server;

    private SwitchboardClient a;
    private SwitchboardClient b;
    private String key;

    @BeforeAll
    static void startServer() {
        server = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect(TestInfo info) {
        a = SwitchboardClient.connect("127.0.0.1", server.port());
        b = SwitchboardClient.connect("127.0.0.1", server.port());
        key = info.getTestMethod().orElseThrow().getName() + "-" + KEYS.incrementAndGet();
    }

    @AfterEach
    void disconnect() {
        a.close();
        b.close();
    }

    @Test
    void handshakeGivesSessionAndLimits() {
        assertThat(a.sessionId()).matches("[0-9a-f]{32}").isNotEqualTo(b.sessionId());
        assertThat(a.protocolVersion()).isEqualTo(1);
        assertThat(a.serverVersion()).startsWith("switchboard/");
        assertThat(a.limits().defaultLease()).isEqualTo(Duration.ofSeconds(33));
        assertThat(a.limits().maxLocks()).isEqualTo(1024);
        assertThat(a.isConnected()).isTrue();
    }

    @Test
    void acquireGrantsATokenAndReleaseFreesTheKey() {
        Resource lock = Resource.lock(key);

        Grant grant = a.acquire(lock, LONG, Duration.ofSeconds(60)).orElseThrow();

        assertThat(grant.token()).matches("[0-9a-f]{32}");
        assertThat(grant.lease()).isEqualTo(Duration.ofSeconds(60));
        assertThat(grant.fence()).isEqualTo(Long.parseUnsignedLong(grant.token().substring(0, 16), 16));
        assertThat(b.tryAcquire(lock)).as("held by a").isEmpty();

        a.release(grant);

        Grant next = b.tryAcquire(lock).orElseThrow();
        assertThat(Long.compareUnsigned(next.fence(), grant.fence())).isPositive();
        assertThat(next.lease()).as("server default lease").isEqualTo(Duration.ofSeconds(33));
    }

    @Test
    void waitersAreServedInArrivalOrder() {
        Resource lock = Resource.lock(key);
        Grant first = a.acquire(lock, LONG).orElseThrow();
        try (SwitchboardClient c = SwitchboardClient.connect("127.0.0.1", server.port())) {
            CompletableFuture<Optional<Grant>> second = b.acquireAsync(lock, LONG, null);
            await().atMost(LONG).until(() -> waiters(lock.key()) == 1);
            CompletableFuture<Optional<Grant>> third = c.acquireAsync(lock, LONG, null);
            await().atMost(LONG).until(() -> waiters(lock.key()) == 2);

            a.release(first);

            Grant secondGrant = second.join().orElseThrow();
            assertThat(third).as("third waits behind second").isNotDone();
            b.release(secondGrant);
            Grant thirdGrant = third.join().orElseThrow();
            assertThat(thirdGrant.token()).isGreaterThan(secondGrant.token()).isNotEqualTo(first.token());
        }
    }

    @Test
    void aWaitThatRunsOutIsAnOutcomeNotAnError() {
        Resource lock = Resource.lock(key);
        a.acquire(lock, LONG).orElseThrow();

        assertThat(b.acquire(lock, Duration.ofMillis(200))).isEmpty();
        assertThat(b.tryAcquire(lock)).isEmpty();
    }

    @Test
    void requestsArePipelinedPastABlockedAcquire() {
        Resource lock = Resource.lock(key);
        Grant held = a.acquire(lock, LONG).orElseThrow();
        CompletableFuture<Optional<Grant>> blocked = b.acquireAsync(lock, LONG, null);

        // Answered while the acquire on the same connection is still waiting.
        assertThat(b.ping().isNegative()).isFalse();
        JsonNode stats = b.stats();
        assertThat(stats.get("connections").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(blocked).isNotDone();

        a.release(held);
        assertThat(blocked.join()).isPresent();
    }

    @Test
    void semaphoresAdmitUpToTheirLimitAndRejectAnotherLimit() {
        Resource pool = Resource.semaphore(key, 2);
        Grant one = a.tryAcquire(pool).orElseThrow();
        Grant two = b.tryAcquire(pool).orElseThrow();
        assertThat(one.token()).isNotEqualTo(two.token());
        assertThat(a.tryAcquire(pool)).as("full").isEmpty();

        assertThatThrownBy(() -> a.tryAcquire(Resource.semaphore(key, 3)))
                .isInstanceOf(LimitMismatchException.class)
                .extracting(e -> ((SwitchboardException) e).code()).isEqualTo("limit_mismatch");
        assertThat(a.tryAcquire(Resource.lock(key))).as("the lock namespace is separate").isPresent();

        b.release(two);
        assertThat(a.tryAcquire(pool)).isPresent();
    }

    @Test
    void twoPhaseAcquireQueuesThenWaits() {
        Resource lock = Resource.lock(key);
        Grant held = a.acquire(lock, LONG).orElseThrow();

        EnqueueResult queued = b.enqueue(lock, Duration.ofSeconds(20));
        assertThat(queued.isQueued()).isTrue();
        assertThat(queued.grant()).isEmpty();
        assertThatThrownBy(() -> b.enqueue(lock)).isInstanceOf(AlreadyEnqueuedException.class);

        a.release(held);
        Grant grant = b.awaitGrant(lock, LONG).orElseThrow();
        assertThat(grant.lease()).isEqualTo(Duration.ofSeconds(20));
        b.release(grant);

        EnqueueResult immediate = a.enqueue(lock);
        assertThat(immediate.isAcquired()).isTrue();
        assertThat(immediate.grant().orElseThrow().token()).matches("[0-9a-f]{32}");
    }

    @Test
    void cancelEndsAPendingAcquireWhichLeavesTheQueue() {
        Resource lock = Resource.lock(key);
        Grant held = a.acquire(lock, LONG).orElseThrow();
        CompletableFuture<Optional<Grant>> pending = b.acquireAsync(lock, LONG, null);

        // Sent after the acquire on the same connection, so it finds the acquire waiting.
        assertThat(b.cancel(lock)).isEqualTo(1);

        assertThatThrownBy(pending::join).hasCauseInstanceOf(WaitCancelledException.class)
                .cause().hasFieldOrPropertyWithValue("code", "cancelled");
        a.release(held);
        assertThat(a.tryAcquire(lock)).as("nobody was granted the key after the cancel").isPresent();
        assertThat(b.cancel(lock)).as("nothing left to cancel").isZero();
    }

    @Test
    void cancelEndsATwoPhaseWaitAndItsPlace() {
        Resource sem = Resource.semaphore(key, 1);
        Grant held = a.acquire(sem, LONG).orElseThrow();
        assertThat(b.enqueue(sem).isQueued()).isTrue();
        CompletableFuture<Optional<Grant>> waiting = b.awaitGrantAsync(sem, LONG);

        assertThat(b.cancelAsync(sem).join()).isEqualTo(1);

        assertThatThrownBy(waiting::join).hasCauseInstanceOf(WaitCancelledException.class);
        assertThatThrownBy(() -> b.awaitGrant(sem, Duration.ZERO)).as("the place went with the wait")
                .isInstanceOf(NotEnqueuedException.class);
        a.release(held);
        assertThat(a.tryAcquire(sem)).isPresent();
    }

    @Test
    void anotherThreadCancelsACallerBlockedInAcquire() throws Exception {
        Resource lock = Resource.lock(key);
        a.acquire(lock, LONG).orElseThrow();
        CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                b.acquire(lock, LONG);
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        // The blocked caller's request is on the server once a cancel finds it.
        await().atMost(LONG).until(() -> b.cancel(lock) == 1);

        assertThat(blocked.get(LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
                .isInstanceOf(WaitCancelledException.class);
    }

    @Test
    void waitWithoutEnqueueAndAfterATimedOutWaitIsNotEnqueued() {
        Resource lock = Resource.lock(key);
        assertThatThrownBy(() -> b.awaitGrant(lock, Duration.ZERO)).isInstanceOf(NotEnqueuedException.class);

        a.acquire(lock, LONG).orElseThrow();
        assertThat(b.enqueue(lock).isQueued()).isTrue();
        assertThat(b.awaitGrant(lock, Duration.ofMillis(100))).isEmpty();
        assertThatThrownBy(() -> b.awaitGrant(lock, Duration.ZERO)).isInstanceOf(NotEnqueuedException.class);
    }

    @Test
    void renewAppliesTheNewLeaseAndFailsForAReleasedToken() {
        Resource lock = Resource.lock(key);
        Grant grant = a.acquire(lock, LONG, Duration.ofSeconds(60)).orElseThrow();

        assertThat(a.renew(lock, grant.token(), Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.renew(lock, grant.token(), null)).as("no lease = server default").isEqualTo(Duration.ofSeconds(33));
        assertThat(a.renew(grant)).isEqualTo(Duration.ofSeconds(60));

        b.release(grant); // any session that knows the token may release it
        assertThatThrownBy(() -> a.renew(grant)).isInstanceOfAny(NotHeldException.class, LeaseExpiredException.class);
    }

    @Test
    void releasingATokenThatHoldsNothingIsNotHeld() {
        Resource lock = Resource.lock(key);
        assertThatThrownBy(() -> a.release(lock, "0".repeat(32)))
                .isInstanceOf(NotHeldException.class)
                .hasMessageContaining("not_held");
        Grant grant = a.acquire(lock, LONG).orElseThrow();
        a.release(grant);
        assertThatThrownBy(() -> a.release(grant)).isInstanceOf(NotHeldException.class);
    }

    @Test
    void invalidArgumentsAreTypedErrorsAndTheConnectionSurvives() {
        assertThatThrownBy(() -> a.acquire(Resource.lock(key), Duration.ofSeconds(-1)))
                .as("caught client-side").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.renew(Resource.lock(key), "not-a-token", Duration.ofSeconds(1)))
                .isInstanceOf(SwitchboardException.class);
        assertThat(a.tryAcquire(Resource.lock(key))).isPresent();
    }

    @Test
    void lateGrantAfterTheCallerGaveUpIsHandedBack() {
        Resource lock = Resource.lock(key);
        Grant held = a.acquire(lock, LONG).orElseThrow();
        CompletableFuture<Optional<Grant>> abandoned = b.acquireAsync(lock, LONG, null);
        await().atMost(LONG).until(() -> waiters(lock.key()) == 1);
        abandoned.cancel(false);

        a.release(held); // the grant goes to b's abandoned request, which gives it back

        await().atMost(LONG).untilAsserted(() -> assertThat(a.tryAcquire(lock)).isPresent());
    }

    private long waiters(String k) {
        for (JsonNode lock : a.stats().path("locks")) {
            if (k.equals(lock.path("key").asString(""))) {
                return lock.path("waiters").asLong(0);
            }
        }
        return 0;
    }
}
