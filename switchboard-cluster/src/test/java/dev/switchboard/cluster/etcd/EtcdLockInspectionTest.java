package dev.switchboard.cluster.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.core.lock.LockInspection;
import dev.switchboard.core.lock.LockInspection.HolderView;
import dev.switchboard.core.lock.LockInspection.KeyView;
import dev.switchboard.core.lock.LockInspection.WaiterView;
import dev.switchboard.core.lock.LockOutcome;
import dev.switchboard.core.lock.LockOutcome.Status;
import dev.switchboard.core.lock.ResourceKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's view of the etcd lock engine ({@code inspect}, behind the admin snapshot) shows
 * every node's holders with their fences and waiters in FIFO order, from whichever node is asked,
 * within its bound.
 */
class EtcdLockInspectionTest {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final long LEASE = 30_000;
    private static final long LONG_WAIT = 60_000;
    private static EtcdServer etcd;

    private final String prefix = "inspect" + PREFIXES.incrementAndGet();
    private final EtcdEngineNodes nodes = new EtcdEngineNodes(etcd, new EtcdLockSettings(prefix, Duration.ofSeconds(2), 5),
            EtcdEngineNodes.collectingAfter(Duration.ofDays(1)));

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

    private static CompletableFuture<LockOutcome> lock(EtcdLockEngine n, long owner, String key) {
        CompletableFuture<LockOutcome> out = new CompletableFuture<>();
        n.acquire(owner, ResourceKey.lock(key), 1, LONG_WAIT, LEASE, out::complete);
        return out;
    }

    private static LockInspection inspect(EtcdLockEngine n, int max) throws Exception {
        return n.inspect(max).get(5, TimeUnit.SECONDS);
    }

    private static KeyView only(LockInspection view) {
        assertThat(view.keys()).hasSize(1);
        return view.keys().get(0);
    }

    @Test
    void everyNodeSeesTheHolderWithItsFenceAndTheWaitersInArrivalOrder() throws Exception {
        EtcdLockEngine a = nodes.node("a");
        EtcdLockEngine b = nodes.node("b");
        EtcdLockEngine c = nodes.node("c");
        long holder = nodes.owner(a);
        long first = nodes.owner(b);
        long second = nodes.owner(c);
        LockOutcome held = lock(a, holder, "orders").get(5, TimeUnit.SECONDS);
        assertThat(held.status()).isEqualTo(Status.ACQUIRED);
        CompletableFuture<LockOutcome> firstWait = lock(b, first, "orders");
        await().atMost(Duration.ofSeconds(5)).until(() -> only(inspect(a, 10)).waiterCount() == 1);
        CompletableFuture<LockOutcome> secondWait = lock(c, second, "orders");
        await().atMost(Duration.ofSeconds(5)).until(() -> only(inspect(a, 10)).waiterCount() == 2);

        List<EtcdLockEngine> engines = List.of(a, b, c);
        List<String> ids = List.of("a", "b", "c");
        for (int i = 0; i < engines.size(); i++) {
            EtcdLockEngine asked = engines.get(i);
            String self = ids.get(i);
            LockInspection view = inspect(asked, 10);
            assertThat(view.truncated()).isFalse();
            KeyView k = only(view);
            assertThat(k.key()).isEqualTo(ResourceKey.lock("orders"));
            assertThat(k.limit()).isEqualTo(1);
            assertThat(k.holderCount()).isEqualTo(1);
            HolderView h = k.holders().get(0);
            assertThat(h.ownerId()).isEqualTo(holder);
            assertThat(h.fence()).isEqualTo(held.token().substring(0, 16)).hasSize(16);
            // The holder's node knows its lease to the millisecond; the others read etcd's TTL in whole seconds.
            assertThat(h.leaseRemainingMs()).isBetween(LEASE - 5_000, LEASE);
            assertThat(k.waiters()).extracting(WaiterView::ownerId).containsExactly(first, second);
            assertThat(k.waiterCount()).isEqualTo(2);
            // Owner ids are numbered per node: each entry names its node unless it is the asked node's own.
            assertThat(h.node()).isEqualTo(self.equals("a") ? null : "a");
            assertThat(k.waiters()).extracting(WaiterView::node)
                    .containsExactly(self.equals("b") ? null : "b", self.equals("c") ? null : "c");
        }
        assertThat(firstWait).isNotDone();
        assertThat(secondWait).isNotDone();
    }

    @Test
    void theBoundCutsKeysHoldersAndWaitersAndSaysSo() throws Exception {
        EtcdLockEngine a = nodes.node("a");
        EtcdLockEngine b = nodes.node("b");
        assertThat(lock(a, nodes.owner(a), "alpha").get(5, TimeUnit.SECONDS).status()).isEqualTo(Status.ACQUIRED);
        assertThat(lock(a, nodes.owner(a), "beta").get(5, TimeUnit.SECONDS).status()).isEqualTo(Status.ACQUIRED);
        long w1 = nodes.owner(b);
        lock(b, w1, "alpha");
        await().atMost(Duration.ofSeconds(5)).until(() -> inspect(b, 10).keys().get(0).waiterCount() == 1);
        lock(b, nodes.owner(b), "alpha");
        await().atMost(Duration.ofSeconds(5)).until(() -> inspect(b, 10).keys().get(0).waiterCount() == 2);

        LockInspection whole = inspect(b, 10);
        assertThat(whole.truncated()).isFalse();
        assertThat(whole.keys()).extracting(KeyView::key)
                .containsExactly(ResourceKey.lock("alpha"), ResourceKey.lock("beta"));

        LockInspection cut = inspect(b, 1);
        assertThat(cut.truncated()).isTrue();
        KeyView alpha = only(cut);
        assertThat(alpha.key()).isEqualTo(ResourceKey.lock("alpha"));
        assertThat(alpha.waiters()).extracting(WaiterView::ownerId).containsExactly(w1);
        assertThat(alpha.waiterCount()).isEqualTo(2);

        // etcd holds alpha's meta and 3 queue keys, then beta's meta and 1: a read of 5 keys stops inside
        // beta, which is left out rather than shown without its holder; alpha is whole.
        b.inspectionReadLimit = 5;
        LockInspection partRead = inspect(b, 10);
        assertThat(partRead.truncated()).isTrue();
        assertThat(only(partRead).key()).isEqualTo(ResourceKey.lock("alpha"));
        assertThat(only(partRead).waiterCount()).isEqualTo(2);
        b.inspectionReadLimit = 3;
        LockInspection tooShort = inspect(b, 10);
        assertThat(tooShort.truncated()).isTrue();
        assertThat(tooShort.keys()).isEmpty();
    }

    @Test
    void withEtcdDownANodeAnswersAtOnceWithItsOwnRequests() throws Exception {
        EtcdLockEngine a = nodes.node("a");
        long holder = nodes.owner(a);
        LockOutcome held = lock(a, holder, "orders").get(5, TimeUnit.SECONDS);
        etcd.stop();
        try {
            long started = System.nanoTime();
            LockInspection view = inspect(a, 10);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
            KeyView k = only(view);
            assertThat(k.holders()).extracting(HolderView::ownerId, HolderView::fence)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(holder, held.token().substring(0, 16)));
        } finally {
            etcd.start();
        }
    }
}
