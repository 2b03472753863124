package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.server.Switchboard;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The {@link Lock} helper: acquire/release, renewal in the background, and lock-lost callbacks. */
class LockHelperTest {
    private static final Duration LONG = Duration.ofSeconds(10);
    private static final Duration SHORT_LEASE = Duration.ofSeconds(2);
    private static final AtomicInteger KEYS = new AtomicInteger();
    private static Switchboard server;

    private SwitchboardClient client;
    private SwitchboardClient other;
    private String key;
    private final List<LockLost> lost = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServer() {
        // Sweep often so an expired lease is handed over promptly.
        server = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1))
                .leaseSweepInterval(Duration.ofMillis(100)).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect(TestInfo info) {
        client = SwitchboardClient.connect("127.0.0.1", server.port());
        other = SwitchboardClient.connect("127.0.0.1", server.port());
        key = info.getTestMethod().orElseThrow().getName() + "-" + KEYS.incrementAndGet();
    }

    @AfterEach
    void disconnect() {
        client.close();
        other.close();
    }

    @Test
    void acquireExposesTokenAndFenceAndReleaseFreesTheKey() {
        try (Lock lock = client.lock(key)) {
            assertThat(lock.isHeld()).isFalse();
            assertThat(lock.token()).isEmpty();

            assertThat(lock.acquire(LONG)).isTrue();

            assertThat(lock.isHeld()).isTrue();
            String token = lock.token().orElseThrow();
            assertThat(token).matches("[0-9a-f]{32}");
            assertThat(lock.fence().orElseThrow()).isEqualTo(Grant.fenceOf(token));
            assertThat(other.tryAcquire(Resource.lock(key))).isEmpty();

            lock.release();

            assertThat(lock.isHeld()).isFalse();
            assertThat(other.tryAcquire(Resource.lock(key))).isPresent();
        }
    }

    @Test
    void closeReleases() {
        try (Lock lock = client.lock(key)) {
            assertThat(lock.tryAcquire()).isTrue();
        }
        assertThat(other.tryAcquire(Resource.lock(key))).isPresent();
    }

    @Test
    void tryAcquireOnAHeldKeyIsFalseAndTimedAcquireRunsOut() {
        other.acquire(Resource.lock(key), LONG).orElseThrow();
        try (Lock lock = client.lock(key)) {
            assertThat(lock.tryAcquire()).isFalse();
            assertThat(lock.acquire(Duration.ofMillis(200))).isFalse();
            assertThat(lock.isHeld()).isFalse();
        }
    }

    @Test
    void aRefusedArgumentLeavesTheHelperUsable() {
        try (Lock lock = client.lock(key)) {
            assertThatThrownBy(() -> lock.acquire(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
            assertThat(lock.tryAcquire()).isTrue();
        }
    }

    @Test
    void locksAreNotReentrant() {
        try (Lock lock = client.lock(key)) {
            assertThat(lock.tryAcquire()).isTrue();
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class);
            assertThat(lock.isHeld()).isTrue();
        }
    }

    @Test
    void semaphoreHelperAdmitsUpToItsLimit() {
        try (Lock first = client.semaphore(key, 2);
             Lock second = other.semaphore(key, 2);
             Lock third = other.semaphore(key, 2)) {
            assertThat(first.tryAcquire()).isTrue();
            assertThat(second.tryAcquire()).isTrue();
            assertThat(third.tryAcquire()).isFalse();
            assertThat(first.resource().isSemaphore()).isTrue();

            first.release();
            assertThat(third.tryAcquire()).isTrue();
            assertThatThrownBy(() -> client.semaphore(key, 5).tryAcquire()).isInstanceOf(LimitMismatchException.class);
        }
    }

    @Test
    void twoPhaseThroughTheHelper() {
        Grant held = other.acquire(Resource.lock(key), LONG).orElseThrow();
        try (Lock lock = client.lock(key)) {
            assertThat(lock.enqueue()).as("queued").isFalse();
            other.release(held);
            assertThat(lock.awaitGrant(LONG)).isTrue();
            assertThat(lock.isHeld()).isTrue();
        }
    }

    @Test
    void backgroundRenewalKeepsTheLockPastItsLease() {
        LockOptions options = LockOptions.builder().lease(SHORT_LEASE).onLost(lost::add).build();
        try (Lock lock = client.lock(key, options)) {
            assertThat(lock.acquire(LONG)).isTrue();
            String token = lock.token().orElseThrow();

            // Two and a half leases: without renewal the server would have handed the key on.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8))
                    .until(() -> lock.isHeld() && other.tryAcquire(Resource.lock(key)).isEmpty());

            assertThat(lock.token()).contains(token);
            assertThat(lost).isEmpty();
        }
    }

    @Test
    void lockLostFiresWhenAnotherSessionReleasesTheToken() {
        LockOptions options = LockOptions.builder().lease(SHORT_LEASE).onLost(lost::add).build();
        try (Lock lock = client.lock(key, options)) {
            assertThat(lock.acquire(LONG)).isTrue();
            String token = lock.token().orElseThrow();

            other.release(Resource.lock(key), token);

            await().atMost(LONG).until(() -> !lost.isEmpty());
            assertThat(lost).hasSize(1);
            assertThat(lost.get(0).grant().token()).isEqualTo(token);
            assertThat(lost.get(0).cause()).isInstanceOfAny(NotHeldException.class, LeaseExpiredException.class);
            assertThat(lock.isHeld()).isFalse();
        }
    }

    @Test
    void lockLostFiresWhenTheLeaseExpiredWithoutRenewal() {
        LockOptions options = LockOptions.builder().lease(SHORT_LEASE).autoRenew(false).onLost(lost::add).build();
        try (Lock lock = client.lock(key, options)) {
            assertThat(lock.acquire(LONG)).isTrue();

            // The lease runs out and the server hands the key to the next waiter.
            assertThat(other.acquire(Resource.lock(key), LONG)).isPresent();

            // The server's lock.lost event usually tells the Lock first (then renew says it holds
            // nothing); otherwise the renewal finds out itself.
            assertThatThrownBy(lock::renew).isInstanceOfAny(IllegalStateException.class, NotHeldException.class,
                    LeaseExpiredException.class);
            await().atMost(LONG).until(() -> !lost.isEmpty());
            assertThat(lost.get(0).cause()).isInstanceOfAny(NotHeldException.class, LeaseExpiredException.class);
            assertThat(lock.isHeld()).isFalse();
        }
    }

    @Test
    void lockLostFiresWhenTheConnectionDrops() {
        LockOptions options = LockOptions.builder().onLost(lost::add).build();
        Lock lock = client.lock(key, options);
        assertThat(lock.acquire(LONG)).isTrue();

        client.close();

        await().atMost(LONG).until(() -> !lost.isEmpty());
        assertThat(lost.get(0).cause()).isInstanceOf(ConnectionClosedException.class);
        assertThat(lock.isHeld()).isFalse();
        lock.close(); // nothing held: a no-op, not an error
    }

    @Test
    void releaseAfterLosingTheSlotDoesNothing() {
        LockOptions options = LockOptions.builder().lease(SHORT_LEASE).onLost(lost::add).build();
        Lock lock = client.lock(key, options);
        assertThat(lock.acquire(LONG)).isTrue();
        other.release(Resource.lock(key), lock.token().orElseThrow());
        await().atMost(LONG).until(() -> !lost.isEmpty());

        lock.release();

        assertThat(lock.isHeld()).isFalse();
        assertThat(lock.acquire(LONG)).as("the helper can be used again").isTrue();
        lock.release();
    }
}
