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

    private final String prefix = "idle" + PREFIXES.incrementAndGet();
    private final EtcdEngineNodes nodes = new EtcdEngineNodes(etcd, new EtcdLockSettings(prefix, Duration.ofSeconds(5), 5),
            EtcdEngineNodes.collectingAfter(GC_MAX_IDLE));

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.started();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    @AfterEach
    void stopNodes() throws Exception {
        nodes.close();
    }

    private EtcdLockEngine node(String id) {
        return nodes.node(id);
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
        long idleSince = System.nanoTime();

        // Nobody holds it: both nodes still refuse another limit, and take the same one.
        assertThat(acquire(b, owner(b), "sem", 5).error()).isEqualTo(LockError.LIMIT_MISMATCH);
        assertThat(acquire(a, owner(a), "sem", 4).error()).isEqualTo(LockError.LIMIT_MISMATCH);
        String again = granted(acquire(b, owner(b), "sem", 3));
        assertThat(release(b, "sem", again).status()).isEqualTo(Status.RELEASED);
        idleSince = System.nanoTime();

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
        try (Client c = Client.builder().endpoints(etcd.url()).build()) {
            String key = new EtcdLockKeys(prefix).metaKey(ResourceKey.semaphore(name));
            return c.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS).getCount() > 0;
        }
    }
}
