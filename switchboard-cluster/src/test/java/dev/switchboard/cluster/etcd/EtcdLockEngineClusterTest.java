package dev.switchboard.cluster.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.core.lock.FenceGenerator;
import dev.switchboard.core.lock.LockError;
import dev.switchboard.core.lock.LockOutcome;
import dev.switchboard.core.lock.LockOutcome.Status;
import dev.switchboard.core.lock.LockStats;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.time.SystemClock;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several nodes (each an engine with its own etcd client, node id and real clock) sharing locks
 * through one etcd: FIFO and fences across nodes, across an etcd restart, and a node that dies.
 */
class EtcdLockEngineClusterTest {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final long LEASE = 30_000;
    private static final long LONG_WAIT = 60_000;
    private static EtcdServer etcd;

    private final List<Node> nodes = new ArrayList<>();
    private final String prefix = "cluster" + PREFIXES.incrementAndGet();
    private final AtomicLong ownerIds = new AtomicLong(100);

    /** A node: its etcd client, clock, engine, and the leases its engine reported lost. */
    private record Node(String id, Client client, SystemClock clock, EtcdLockEngine engine,
                        LinkedBlockingQueue<String> lost) {
    }

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.started();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    @AfterEach
    void stopNodes() {
        for (Node n : nodes) {
            n.engine.close();
            n.client.close();
            n.clock.close();
        }
    }

    private Node node(String id) {
        Client client = Client.builder().endpoints(etcd.url()).build();
        SystemClock clock = SystemClock.start();
        LinkedBlockingQueue<String> lost = new LinkedBlockingQueue<>();
        LockTableConfig config = new LockTableConfig(0, 0, Duration.ofMillis(50), Duration.ofDays(1), Duration.ofDays(1));
        EtcdLockEngine engine = new EtcdLockEngine(client, id, new EtcdLockSettings(prefix, Duration.ofSeconds(2), 2),
                config, clock.timer(), clock, (owner, key, token) -> lost.add(token));
        Node n = new Node(id, client, clock, engine, lost);
        nodes.add(n);
        answering(n);
        return n;
    }

    /**
     * Waits until the new node has answered a call of etcd: its client is connected and its node lease
     * granted. A fresh client's first call may miss the 2 s call deadline on a loaded machine (gRPC's
     * first connection and classes, the lease grant, then the transaction); the engine then rightly
     * answers FENCE_PERSISTENCE, so the tests' own first call would fail (a lock not granted, an
     * adoption that read nothing). Asks again until a grant comes, on a key of the node's own.
     */
    private void answering(Node n) {
        long owner = owner(n);
        String key = "warm-up-" + n.id;
        String[] token = new String[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            LockOutcome o = get(lock(n, owner, key, 0, LEASE));
            token[0] = o.token();
            return o.status() == Status.ACQUIRED;
        });
        assertThat(release(n, key, token[0]).status()).isEqualTo(Status.RELEASED);
    }

    private long owner(Node n) {
        long id = ownerIds.incrementAndGet();
        n.engine.ownerStarted(id);
        return id;
    }

    private static CompletableFuture<LockOutcome> lock(Node n, long owner, String key, long timeoutMs, long leaseMs) {
        CompletableFuture<LockOutcome> out = new CompletableFuture<>();
        n.engine.acquire(owner, ResourceKey.lock(key), 1, timeoutMs, leaseMs, out::complete);
        return out;
    }

    private static LockOutcome get(CompletableFuture<LockOutcome> f) {
        return f.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static String granted(CompletableFuture<LockOutcome> f) {
        LockOutcome o = get(f);
        assertThat(o.status()).as("outcome %s", o).isEqualTo(Status.ACQUIRED);
        return o.token();
    }

    private static LockOutcome release(Node n, String key, String token) {
        CompletableFuture<LockOutcome> out = new CompletableFuture<>();
        n.engine.release(ResourceKey.lock(key), token, out::complete);
        return get(out);
    }

    private static int waitersOn(Node n, String key) {
        LockStats s = n.engine.stats().orTimeout(10, TimeUnit.SECONDS).join();
        return s.locks().stream().filter(l -> l.key().equals(key)).mapToInt(LockStats.LockInfo::waiters).findFirst().orElse(0);
    }

    @Test
    void waitersQueuedOnThreeNodesAreGrantedInArrivalOrderWithGrowingFences() {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        String token = granted(lock(a, owner(a), "k", 0, LEASE));
        List<Node> order = List.of(b, c, a, c, b, a);
        List<CompletableFuture<LockOutcome>> waits = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            Node n = order.get(i);
            waits.add(lock(n, owner(n), "k", LONG_WAIT, LEASE));
            int queued = i + 1;
            // Arrival is the order etcd took the waiter keys in: wait for each before the next.
            await().atMost(Duration.ofSeconds(10)).until(() -> waitersOn(c, "k") == queued);
        }
        long lastFence = FenceGenerator.fenceOf(token);
        Node holder = a;
        for (int i = 0; i < order.size(); i++) {
            assertThat(release(holder, "k", token).status()).isEqualTo(Status.RELEASED);
            token = granted(waits.get(i));
            assertThat(FenceGenerator.fenceOf(token)).isGreaterThan(lastFence);
            lastFence = FenceGenerator.fenceOf(token);
            for (int j = i + 1; j < waits.size(); j++) assertThat(waits.get(j)).isNotDone();
            holder = order.get(i);
        }
        assertThat(release(holder, "k", token).status()).isEqualTo(Status.RELEASED);
    }

    @Test
    void fencesGrowAcrossNodesAndAcrossAnEtcdRestartAndCallsFailWhileEtcdIsDown() {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        long last = 0;
        for (int round = 0; round < 3; round++) {
            for (Node n : List.of(a, b, c)) {
                String t = granted(lock(n, owner(n), "k", 0, LEASE));
                assertThat(FenceGenerator.fenceOf(t)).isGreaterThan(last);
                last = FenceGenerator.fenceOf(t);
                assertThat(release(n, "k", t).status()).isEqualTo(Status.RELEASED);
            }
        }

        etcd.stop();
        try {
            long started = System.nanoTime();
            LockOutcome down = get(lock(b, owner(b), "k", 0, LEASE));
            assertThat(down.error()).isEqualTo(LockError.FENCE_PERSISTENCE);
            assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(6));
        } finally {
            etcd.start();
        }

        for (Node n : List.of(c, a, b)) {
            long owner = owner(n);
            String[] t = new String[1];
            // The first calls after the restart may still fail while the client reconnects.
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                LockOutcome o = get(lock(n, owner, "k", 0, LEASE));
                t[0] = o.token();
                return o.status() == Status.ACQUIRED;
            });
            assertThat(FenceGenerator.fenceOf(t[0])).isGreaterThan(last);
            last = FenceGenerator.fenceOf(t[0]);
            assertThat(release(n, "k", t[0]).status()).isEqualTo(Status.RELEASED);
        }
    }

    @Test
    void aDeadNodesHolderAndWaitersLeaveTheQueuesWhenTheirLeasesEnd() {
        Node dying = node("dying");
        Node b = node("b");
        Node c = node("c");
        // The dying node holds "held" on a 1 s lease (2 s in etcd) and waits on "queue" behind b.
        String deadToken = granted(lock(dying, owner(dying), "held", 0, 1_000));
        CompletableFuture<LockOutcome> bWaits = lock(b, owner(b), "held", LONG_WAIT, LEASE);
        String bQueue = granted(lock(b, owner(b), "queue", 0, LEASE));
        lock(dying, owner(dying), "queue", LONG_WAIT, LEASE);
        await().atMost(Duration.ofSeconds(10)).until(() -> waitersOn(c, "queue") == 1);
        CompletableFuture<LockOutcome> cWaits = lock(c, owner(c), "queue", LONG_WAIT, LEASE);
        await().atMost(Duration.ofSeconds(10)).until(() -> waitersOn(c, "queue") == 2 && waitersOn(c, "held") == 1);

        dying.engine.stopAbruptly();
        dying.client.close();

        // The holder's key goes with its etcd lease: the next waiter on another node gets the slot.
        String bToken = granted(bWaits);
        assertThat(FenceGenerator.fenceOf(bToken)).isGreaterThan(FenceGenerator.fenceOf(deadToken));
        // The dead node's waiter went with its node lease: b's release hands "queue" straight to c.
        await().atMost(Duration.ofSeconds(10)).until(() -> waitersOn(c, "queue") == 1);
        assertThat(release(b, "queue", bQueue).status()).isEqualTo(Status.RELEASED);
        granted(cWaits);
    }

    @Test
    void aRenewThatCannotReachEtcdFailsAndReportsTheLockLost() {
        Node a = node("a");
        long owner = owner(a);
        String token = granted(lock(a, owner, "k", 0, LEASE));
        etcd.stop();
        try {
            CompletableFuture<LockOutcome> renewed = new CompletableFuture<>();
            a.engine.renew(ResourceKey.lock("k"), token, LEASE, renewed::complete);
            assertThat(get(renewed).error()).isEqualTo(LockError.FENCE_PERSISTENCE);
            assertThat(a.lost).containsExactly(token);
            assertThat(a.engine.keysOf(owner)).isEmpty();
        } finally {
            etcd.start();
        }
    }

    private static java.util.Set<ResourceKey> adopt(Node to, String fromNode, long fromOwner, long toOwner, String key) {
        return to.engine.adoptHeld(fromNode, fromOwner, toOwner, List.of(ResourceKey.lock(key)))
                .orTimeout(20, TimeUnit.SECONDS).join();
    }

    private static LockOutcome renew(Node n, String key, String token, long leaseMs) {
        CompletableFuture<LockOutcome> out = new CompletableFuture<>();
        n.engine.renew(ResourceKey.lock(key), token, leaseMs, out::complete);
        return get(out);
    }

    /** Node {@code id}'s {@code owner} takes "door" for {@code leaseMs}, then the node dies (SIGKILL-like); returns the token. */
    private String heldByANodeThatDies(String id, long owner, long leaseMs) {
        Node dying = node(id);
        dying.engine.ownerStarted(owner);
        String token = granted(lock(dying, owner, "door", 0, leaseMs));
        dying.engine.stopAbruptly();
        dying.client.close();
        return token;
    }

    @Test
    void aDeadNodesHeldSlotIsTakenOverWithItsTokenByTheNodeItsOwnerResumesOn() {
        long deadOwner = ownerIds.incrementAndGet();
        String token = heldByANodeThatDies("dying", deadOwner, 20_000);

        Node b = node("b");
        Node c = node("c");
        long resumed = owner(b);
        assertThat(adopt(b, "dying", deadOwner, resumed, "door")).containsExactly(ResourceKey.lock("door"));
        assertThat(b.engine.keysOf(resumed)).containsExactly(ResourceKey.lock("door"));
        // Taken over once: another node adopting from the same dead owner finds nothing left to take.
        assertThat(adopt(c, "dying", deadOwner, owner(c), "door")).isEmpty();
        // Still held: nobody else gets it, and the original token renews and releases it on b.
        assertThat(get(lock(c, owner(c), "door", 0, LEASE)).status()).isEqualTo(Status.TIMEOUT);
        assertThat(renew(b, "door", token, LEASE).status()).isEqualTo(Status.RENEWED);
        assertThat(b.lost).isEmpty();
        CompletableFuture<LockOutcome> next = lock(c, owner(c), "door", LONG_WAIT, LEASE);
        assertThat(release(b, "door", token).status()).isEqualTo(Status.RELEASED);
        assertThat(FenceGenerator.fenceOf(granted(next))).isGreaterThan(FenceGenerator.fenceOf(token));
    }

    @Test
    void ofTwoNodesAdoptingTheSameSlotAtOnceOnlyOneGetsIt() {
        long deadOwner = ownerIds.incrementAndGet();
        String token = heldByANodeThatDies("dying", deadOwner, 20_000);

        Node b = node("b");
        Node c = node("c");
        long onB = owner(b);
        long onC = owner(c);
        CompletableFuture<java.util.Set<ResourceKey>> byB = b.engine.adoptHeld("dying", deadOwner, onB, List.of(ResourceKey.lock("door")));
        CompletableFuture<java.util.Set<ResourceKey>> byC = c.engine.adoptHeld("dying", deadOwner, onC, List.of(ResourceKey.lock("door")));
        int winners = byB.orTimeout(20, TimeUnit.SECONDS).join().size() + byC.orTimeout(20, TimeUnit.SECONDS).join().size();
        assertThat(winners).isEqualTo(1);
        Node winner = byB.join().isEmpty() ? c : b;
        Node loser = winner == b ? c : b;
        assertThat(renew(loser, "door", token, LEASE).status()).as("a renew on the loser finds the winner's slot")
                .isEqualTo(Status.RENEWED);
        assertThat(renew(winner, "door", token, LEASE).status()).isEqualTo(Status.RENEWED);
        assertThat(release(winner, "door", token).status()).isEqualTo(Status.RELEASED);
    }

    @Test
    void aSlotWhoseLeaseRanOutIsNotTakenOver() {
        long deadOwner = ownerIds.incrementAndGet();
        heldByANodeThatDies("dying", deadOwner, 1_000);

        Node b = node("b");
        Node c = node("c");
        // The key goes with its etcd lease (2 s): then c takes the lock.
        String cToken = granted(lock(c, owner(c), "door", LONG_WAIT, LEASE));
        assertThat(adopt(b, "dying", deadOwner, owner(b), "door")).isEmpty();
        assertThat(renew(c, "door", cToken, LEASE).status()).isEqualTo(Status.RENEWED);
        assertThat(c.lost).isEmpty();
    }

    @Test
    void aLiveNodeNeverTouchesASlotAnotherNodeTookOver() {
        Node a = node("a");
        long owner = owner(a);
        String token = granted(lock(a, owner, "door", 0, 20_000));
        // The session moves (its owner ends on a without releasing), and b takes the slot over.
        a.engine.ownerEnded(owner, false);
        Node b = node("b");
        long onB = owner(b);
        assertThat(adopt(b, "a", owner, onB, "door")).containsExactly(ResourceKey.lock("door"));
        // a's leftover copy of the slot: a release through it changes nothing in etcd.
        release(a, "door", token);
        Node c = node("c");
        assertThat(get(lock(c, owner(c), "door", 0, LEASE)).status()).isEqualTo(Status.TIMEOUT);
        assertThat(renew(b, "door", token, LEASE).status()).isEqualTo(Status.RENEWED);
        assertThat(release(b, "door", token).status()).isEqualTo(Status.RELEASED);
    }
}
