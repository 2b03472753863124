package dev.switchboard.cluster.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.SharedEngines;
import dev.switchboard.core.lock.FenceSource;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.core.lock.LockEngineContract;
import dev.switchboard.core.lock.LockError;
import dev.switchboard.core.lock.LockLostListener;
import dev.switchboard.core.lock.LockOutcome;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.time.VirtualClock;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The etcd engine against the engine contract, on one etcd started for the class; each engine gets a
 * key prefix of its own, so tests never see each other's keys. Leases and waits follow the virtual
 * clock; etcd's own leases (whole seconds, real time) outlast every test.
 */
class EtcdLockEngineContractTest extends LockEngineContract {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static EtcdServer etcd;
    private static Client client;

    @BeforeAll
    static void startEtcd() {
        etcd = SharedEngines.etcd();
        client = Client.builder().endpoints(etcd.url()).build();
    }

    @AfterAll
    static void stopEtcd() {
        if (client != null) client.close();
    }

    @Override
    protected LockEngine createEngine(LockTableConfig config, FenceSource fences, VirtualClock time,
                                      LockLostListener lost) {
        return engine(config, time, lost);
    }

    private static EtcdLockEngine engine(LockTableConfig config, VirtualClock time, LockLostListener lost) {
        EtcdLockSettings settings = new EtcdLockSettings("contract" + PREFIXES.incrementAndGet(), Duration.ofSeconds(5), 5);
        return new EtcdLockEngine(client, "n1", settings, config, time, time, lost);
    }

    /**
     * Requests not yet answered are bounded (mailboxSize × 64): one more acquire is refused BUSY and
     * counted, while a release is still served; once waiters are answered there is room again.
     */
    @Test
    void unansweredRequestsAreBoundedAndTheNextAcquireIsRefusedBusy() {
        LockTableConfig config = new LockTableConfig(0, 0, SWEEP, Duration.ofDays(1), Duration.ofDays(1), 1);
        try (EtcdLockEngine e = engine(config, time, LockLostListener.IGNORE)) {
            e.ownerStarted(1);
            CompletableFuture<LockOutcome> held = new CompletableFuture<>();
            e.acquire(1, ResourceKey.lock("k"), 1, 0, 60_000, held::complete);
            String token = held.orTimeout(5, TimeUnit.SECONDS).join().token();
            List<CompletableFuture<LockOutcome>> waits = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                CompletableFuture<LockOutcome> w = new CompletableFuture<>();
                waits.add(w);
                e.acquire(1, ResourceKey.lock("k"), 1, 60_000, 60_000, w::complete);
            }
            CompletableFuture<LockOutcome> refused = new CompletableFuture<>();
            e.acquire(1, ResourceKey.lock("other"), 1, 0, 60_000, refused::complete);

            assertThat(refused.join().error()).isEqualTo(LockError.BUSY);
            assertThat(e.busyRefusals()).isEqualTo(1);
            CompletableFuture<LockOutcome> released = new CompletableFuture<>();
            e.release(ResourceKey.lock("k"), token, released::complete);
            assertThat(released.orTimeout(5, TimeUnit.SECONDS).join().status()).isEqualTo(LockOutcome.Status.RELEASED);
            assertThat(waits.get(0).orTimeout(5, TimeUnit.SECONDS).join().status())
                    .isEqualTo(LockOutcome.Status.ACQUIRED);
            CompletableFuture<LockOutcome> later = new CompletableFuture<>();
            e.acquire(1, ResourceKey.lock("other"), 1, 0, 60_000, later::complete);
            assertThat(later.orTimeout(5, TimeUnit.SECONDS).join().status()).isEqualTo(LockOutcome.Status.ACQUIRED);
        }
    }
}
