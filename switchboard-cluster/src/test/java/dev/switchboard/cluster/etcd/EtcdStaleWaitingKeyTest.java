package dev.switchboard.cluster.etcd;

import static dev.switchboard.cluster.etcd.EtcdLockKeys.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.core.lock.LockError;
import dev.switchboard.core.lock.LockOutcome;
import dev.switchboard.core.lock.LockOutcome.Status;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.lock.WaitHandle;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Waiting keys of a node that no request of it owns any more (left by an etcd outage) must not
 * block a lock for good: they hang on the node lease, which the node keeps alive as long as it runs.
 */
class EtcdStaleWaitingKeyTest {
    private static final long LEASE = 30_000;
    private static final long LONG_WAIT = 120_000;
    /** Well past the delete retries' and cleaning passes' delays, well short of "until the node stops". */
    private static final Duration GRANTED_WITHIN = Duration.ofSeconds(25);
    private static EtcdServer etcd;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final String prefix = "stale" + System.nanoTime();
    private final EtcdEngineNodes nodes = new EtcdEngineNodes(etcd, new EtcdLockSettings(prefix, Duration.ofSeconds(1), 10),
            new LockTableConfig(0, 0, Duration.ofMillis(50), Duration.ofDays(1), Duration.ofDays(1)));

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
        for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
        nodes.close();
    }

    /** A node with a 1 s call deadline and a node lease (10 s) that outlives the short outages here. */
    private EtcdLockEngine node(String id) {
        return nodes.node(id);
    }

    private long owner(EtcdLockEngine n) {
        return nodes.owner(n);
    }

    private static CompletableFuture<LockOutcome> lock(EtcdLockEngine n, long owner, String key, long timeoutMs) {
        CompletableFuture<LockOutcome> out = new CompletableFuture<>();
        n.acquire(owner, ResourceKey.lock(key), 1, timeoutMs, LEASE, out::complete);
        return out;
    }

    private static String granted(CompletableFuture<LockOutcome> f, Duration within) {
        LockOutcome o = f.orTimeout(within.toMillis(), TimeUnit.MILLISECONDS).join();
        assertThat(o.status()).as("outcome %s", o).isEqualTo(Status.ACQUIRED);
        return o.token();
    }

    private long keysUnder(Client c, String key) {
        String queue = new EtcdLockKeys(prefix).queuePrefix(ResourceKey.lock(key));
        return c.getKVClient().get(bytes(queue), io.etcd.jetcd.options.GetOption.builder()
                .withRange(EtcdLockKeys.rangeEnd(queue)).withCountOnly(true).build()).orTimeout(5, TimeUnit.SECONDS)
                .join().getCount();
    }

    /**
     * Two-phase, first step, for a new owner of {@code n}: asks until the answer is {@code QUEUED}
     * (a fresh client's first call may miss the 1 s deadline on a loaded machine). Returns the owner.
     */
    private long queued(EtcdLockEngine n, String key) {
        long owner = owner(n);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            CompletableFuture<LockOutcome> placed = new CompletableFuture<>();
            n.enqueue(owner, ResourceKey.lock(key), 1, LEASE, placed::complete);
            return placed.orTimeout(10, TimeUnit.SECONDS).join().status() == Status.QUEUED;
        });
        return owner;
    }

    /** etcd is down for the node: a call of it fails (the engine answers fence_persistence). */
    private void failOneCall(EtcdLockEngine n) {
        LockOutcome down = lock(n, owner(n), "elsewhere", 0).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(down.error()).isEqualTo(LockError.FENCE_PERSISTENCE);
    }

    @Test
    void aKeyOfTheNodeThatNoRequestOwnsIsDeletedAfterAnEtcdFailureAndTheLockIsGrantedElsewhere() {
        EtcdLockEngine a = node("a");
        EtcdLockEngine b = node("b");
        Client c = Client.builder().endpoints(etcd.url()).build();
        closing.add(c::close);
        // What a write the engine gave up on, applied by etcd after all, leaves: a's name, nobody's request.
        EtcdLockKeys keys = new EtcdLockKeys(prefix);
        c.getKVClient().put(bytes(keys.metaKey(ResourceKey.lock("k"))), bytes("1")).orTimeout(5, TimeUnit.SECONDS).join();
        c.getKVClient().put(bytes(keys.waiterKey(ResourceKey.lock("k"), "a", 7, 0xabcdefL)),
                bytes(EtcdLockKeys.value("a", 7, LEASE, null))).orTimeout(5, TimeUnit.SECONDS).join();
        // b queues behind it. Two-phase, so that the test knows when b has its answer: seeing b's key
        // in etcd is not enough, as the reply to b's write may still be on its way when etcd is killed
        // (b then answers FENCE_PERSISTENCE, rightly, and nobody waits any more).
        long waiter = queued(b, "k");
        CompletableFuture<LockOutcome> blocked = new CompletableFuture<>();
        b.await(waiter, ResourceKey.lock("k"), LONG_WAIT, blocked::complete);
        await().atMost(Duration.ofSeconds(10)).until(() -> keysUnder(c, "k") == 2); // a failed try's key is gone

        etcd.kill();
        try {
            failOneCall(a);
        } finally {
            etcd.start();
        }

        granted(blocked, GRANTED_WITHIN);
        assertThat(keysUnder(c, "k")).as("only b's key is left").isEqualTo(1);
    }

    /**
     * The end of a waiter during an outage, end to end. Its delete is retried until it goes; often the
     * first attempt also lands late by itself (the client sends it once reconnected), so this one
     * shows the outcome, and the test above is the one that needs the cleaning.
     */
    @Test
    void aWaitersKeyWhoseDeleteFailedWhileEtcdWasDownGoesOnceEtcdIsBack() {
        EtcdLockEngine a = node("a");
        EtcdLockEngine b = node("b");
        Client c = Client.builder().endpoints(etcd.url()).build();
        closing.add(c::close);
        long holder = owner(b);
        String[] token = new String[1];
        // A fresh client's first calls may miss the 1 s deadline on a loaded machine: ask until granted.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            LockOutcome o = lock(b, holder, "k", 0).orTimeout(10, TimeUnit.SECONDS).join();
            token[0] = o.token();
            return o.status() == Status.ACQUIRED;
        });
        // a queues, two-phase so that its answer is known before etcd goes (see the test above).
        long waiter = queued(a, "k");
        CompletableFuture<LockOutcome> waiting = new CompletableFuture<>();
        WaitHandle handle = a.await(waiter, ResourceKey.lock("k"), LONG_WAIT, waiting::complete);
        await().atMost(Duration.ofSeconds(10)).until(() -> keysUnder(c, "k") == 2);

        etcd.kill();
        try {
            handle.cancel();
            assertThat(waiting.orTimeout(10, TimeUnit.SECONDS).join().error()).isEqualTo(LockError.CANCELLED);
            // Stats run after every step chained before them: once they fail, the delete has failed too.
            assertThat(a.stats().handle((s, e) -> e).orTimeout(10, TimeUnit.SECONDS).join()).isNotNull();
        } finally {
            etcd.start();
        }

        CompletableFuture<LockOutcome> released = new CompletableFuture<>();
        b.release(ResourceKey.lock("k"), token[0], released::complete);
        released.orTimeout(10, TimeUnit.SECONDS).join();
        long next = owner(b);
        // The first calls after the restart may fail while the client reconnects: ask again until one waits.
        await().atMost(GRANTED_WITHIN).until(() -> {
            LockOutcome o = lock(b, next, "k", LONG_WAIT).orTimeout(GRANTED_WITHIN.toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionally(e -> LockOutcome.timeout()).join();
            return o.status() == Status.ACQUIRED;
        });
    }
}
