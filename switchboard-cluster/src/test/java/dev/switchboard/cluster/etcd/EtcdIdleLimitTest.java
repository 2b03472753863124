package dev.switchboard.cluster.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.core.lock.LockError;
import dev.switchboard.core.lock.LockOutcome;
import dev.switchboard.core.lock.LockOutcome.Status;
import dev.switchboard.core.lock.ResourceKey;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A semaphore's limit outlives its last holder for the GC idle time on every node, as dflockd's does
 * until its GC collects the idle key; then etcd forgets it and another limit is taken.
 */
class EtcdIdleLimitTest {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final Duration GC_MAX_IDLE = Duration.ofSeconds(1);
    private static EtcdServer etcd;
    /** The test's own view of etcd, connected once (a fresh client's first call can take seconds on a loaded machine). */
    private static Client observer;

    private final String prefix = "idle" + PREFIXES.incrementAndGet();
    private final EtcdEngineNodes nodes = new EtcdEngineNodes(etcd, new EtcdLockSettings(prefix, Duration.ofSeconds(5), 5),
            EtcdEngineNodes.collectingAfter(GC_MAX_IDLE));

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.started();
        observer = Client.builder().endpoints(etcd.url()).build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            observer.getKVClient().get(ByteSequence.from("/", StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
            return true;
        });
    }

    @AfterAll
    static void stopEtcd() {
        if (observer != null) observer.close();
        if (etcd != null) etcd.close();
    }

    @AfterEach
    void stopNodes() throws Exception {
        nodes.close();
    }

    /**
     * A node that has answered a call of etcd (client connected, node lease granted), so that the
     * calls the tests time against the GC idle time are not a fresh client's first: that one may take
     * seconds on a loaded machine, even miss the 5 s call deadline (answered FENCE_PERSISTENCE), and a
     * first call made in the idle window could land after the limit is rightly forgotten. Asks again
     * until granted; the warm-up lock stays held (until the node closes), so that no idle lease of it
     * is shared with the tests' keys.
     */
    private EtcdLockEngine node(String id) {
        EtcdLockEngine n = nodes.node(id);
        long owner = owner(n);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            CompletableFuture<LockOutcome> out = new CompletableFuture<>();
            n.acquire(owner, ResourceKey.lock("warm-up-" + id), 1, 0, 30_000, out::complete);
            return out.orTimeout(10, TimeUnit.SECONDS).join().status() == Status.ACQUIRED;
        });
        return n;
    }

    private long owner(EtcdLockEngine n) {
        return nodes.owner(n);
    }

    private static LockOutcome acquire(EtcdLockEngine n, long owner, String key, int limit) {
        CompletableFuture<LockOutcome> out = new CompletableFuture<>();
        n.acquire(owner, ResourceKey.semaphore(key), limit, 0, 30_000, out::complete);
        return out.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static LockOutcome release(EtcdLockEngine n, String key, String token) {
        CompletableFuture<LockOutcome> out = new CompletableFuture<>();
        n.release(ResourceKey.semaphore(key), token, out::complete);
        return out.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static String granted(LockOutcome o) {
        assertThat(o.status()).as("outcome %s", o).isEqualTo(Status.ACQUIRED);
        return o.token();
    }

    @Test
    void anIdleSemaphoreKeepsItsLimitOnEveryNodeUntilTheGcIdleTimeHasPassed() {
        EtcdLockEngine a = node("a");
        EtcdLockEngine b = node("b");
        String token = granted(acquire(a, owner(a), "sem", 3));
        assertThat(release(a, "sem", token).status()).isEqualTo(Status.RELEASED);

        // Nobody holds it: both nodes still refuse another limit, and take the same one.
        assertThat(acquire(b, owner(b), "sem", 5).error()).isEqualTo(LockError.LIMIT_MISMATCH);
        assertThat(acquire(a, owner(a), "sem", 4).error()).isEqualTo(LockError.LIMIT_MISMATCH);
        String again = granted(acquire(b, owner(b), "sem", 3));
        // The key goes idle while the release runs (its delete), which may be long before its answer is
        // back here: the idle time is counted from the call, the latest time it can have started.
        long idleSince = System.nanoTime();
        assertThat(release(b, "sem", again).status()).isEqualTo(Status.RELEASED);

        // Once etcd's idle lease (GC idle time + 1 s, at least etcd's minimum TTL) runs out, the limit is free.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> !metaExists("sem"));
        assertThat(System.nanoTime() - idleSince).isGreaterThanOrEqualTo(GC_MAX_IDLE.toNanos());
        String other = granted(acquire(b, owner(b), "sem", 5));
        assertThat(acquire(a, owner(a), "sem", 3).error()).isEqualTo(LockError.LIMIT_MISMATCH);
        assertThat(release(b, "sem", other).status()).isEqualTo(Status.RELEASED);
    }

    @Test
    void aHeldSemaphoreKeepsItsLimitLongerThanTheIdleTime() throws Exception {
        EtcdLockEngine a = node("a");
        EtcdLockEngine b = node("b");
        String token = granted(acquire(a, owner(a), "held", 2));
        // Held past the idle time (and the idle lease's TTL): the limit stays, on the other node too.
        await().pollDelay(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(5)).until(() -> metaExists("held"));
        assertThat(acquire(b, owner(b), "held", 7).error()).isEqualTo(LockError.LIMIT_MISMATCH);
        assertThat(release(a, "held", token).status()).isEqualTo(Status.RELEASED);
        assertThat(acquire(b, owner(b), "held", 7).error()).isEqualTo(LockError.LIMIT_MISMATCH);
    }

    private boolean metaExists(String name) throws Exception {
        String key = new EtcdLockKeys(prefix).metaKey(ResourceKey.semaphore(name));
        return observer.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS).getCount() > 0;
    }
}
