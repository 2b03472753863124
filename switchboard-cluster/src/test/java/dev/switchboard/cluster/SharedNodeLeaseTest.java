package dev.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.core.lock.LockError;
import dev.switchboard.core.lock.LockOutcome;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.lock.ResourceKey;
import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.relay.PeerEndpoint;
import dev.switchboard.core.time.SystemClock;
import dev.switchboard.protocol.Payload;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cluster node has one etcd lease, kept alive once, under the lock engine's waiting keys and the
 * peer directory's keys alike; when etcd drops it, both engines hear it from that one place.
 */
class SharedNodeLeaseTest {
    private static NatsServer nats;
    private static EtcdServer etcd;

    @BeforeAll
    static void start() {
        nats = NatsServer.started();
        etcd = EtcdServer.started();
    }

    @AfterAll
    static void stop() {
        if (nats != null) nats.close();
        if (etcd != null) etcd.close();
    }

    @Test
    void theLockEnginesWaitersAndTheDirectorysPeersHangOnOneLeaseAndBothHearItsLoss() throws Exception {
        ClusterSettings settings = ClusterSettings.of("lease-node", "127.0.0.1:0", "shared",
                ClusterSettings.Nats.plain(List.of(nats.url())), ClusterSettings.Etcd.plain(List.of(etcd.url())));
        try (ClusterEngines engines = ClusterEngines.connect(settings); SystemClock clock = SystemClock.start();
             Client reader = Client.builder().endpoints(etcd.url()).build()) {
            LockEngine locks = engines.locks(new LockTableConfig(0, 0, Duration.ofMillis(50), Duration.ofDays(1),
                    Duration.ofDays(1)), null, clock, (owner, key, token) -> { });
            PeerDirectory peers = engines.peers();
            locks.ownerStarted(1);
            locks.ownerStarted(2);
            assertThat(acquire(locks, 1, 0).join().status()).isEqualTo(LockOutcome.Status.ACQUIRED);
            CompletableFuture<LockOutcome> waiting = acquire(locks, 2, 60_000);
            assertThat(peers.register("alice", new Quiet())).isInstanceOf(PeerDirectory.Claim.class);

            await().atMost(Duration.ofSeconds(10)).until(() -> keys(reader, "/shared/locks/").size() == 3
                    && keys(reader, "/shared/peers/").size() == 1);
            long lease = engines.nodeLease().currentId();
            KeyValue waiter = keys(reader, "/shared/locks/").stream()
                    .filter(k -> k.getKey().toString(StandardCharsets.UTF_8).contains("-2-")).findFirst().orElseThrow();
            assertThat(waiter.getLease()).isEqualTo(lease);
            assertThat(keys(reader, "/shared/peers/").get(0).getLease()).isEqualTo(lease);

            // etcd drops the lease (as when it could not be kept alive for a TTL): every key on it goes.
            reader.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
            assertThat(waiting.get(10, TimeUnit.SECONDS).error()).isEqualTo(LockError.FENCE_PERSISTENCE);
            await().atMost(Duration.ofSeconds(10)).until(() -> engines.nodeLease().currentId() != lease
                    && keys(reader, "/shared/peers/").size() == 1
                    && keys(reader, "/shared/peers/").get(0).getLease() == engines.nodeLease().currentId());
            locks.close();
        }
    }

    private static CompletableFuture<LockOutcome> acquire(LockEngine locks, long owner, long timeoutMs) {
        CompletableFuture<LockOutcome> out = new CompletableFuture<>();
        locks.acquire(owner, ResourceKey.lock("shared-lease"), 1, timeoutMs, 60_000, out::complete);
        return out.orTimeout(10, TimeUnit.SECONDS);
    }

    private static List<KeyValue> keys(Client c, String prefix) throws Exception {
        ByteSequence p = ByteSequence.from(prefix, StandardCharsets.UTF_8);
        return c.getKVClient().get(p, GetOption.builder().isPrefix(true).build()).get(5, TimeUnit.SECONDS).getKvs();
    }

    private static final class Quiet implements PeerEndpoint {
        @Override
        public void displaced(String peerId) {
        }

        @Override
        public boolean deliver(String fromPeerId, Payload payload) {
            return true;
        }
    }
}
