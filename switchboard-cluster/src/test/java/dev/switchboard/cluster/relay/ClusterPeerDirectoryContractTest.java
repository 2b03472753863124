package dev.switchboard.cluster.relay;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.cluster.testing.EtcdServer;
import dev.switchboard.cluster.testing.NatsServer;
import dev.switchboard.cluster.testing.SharedEngines;
import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.relay.PeerDirectoryContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The core's peer-directory contract, on one node of a cluster directory over a real etcd and nats-server. */
class ClusterPeerDirectoryContractTest extends PeerDirectoryContract {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static NatsServer nats;
    private static EtcdServer etcd;
    private static ClusterConnections connections;
    private final List<ClusterPeerDirectory> made = new ArrayList<>();

    @BeforeAll
    static void startEngines() throws Exception {
        nats = SharedEngines.nats();
        etcd = SharedEngines.etcd();
        connections = ClusterConnections.connect("contract-node", List.of(nats.url()), List.of(etcd.url()), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stopEngines() {
        if (connections != null) connections.close();
    }

    @AfterEach
    void closeDirectories() {
        made.forEach(ClusterPeerDirectory::close);
    }

    @Override
    protected PeerDirectory newDirectory(int maxPeers, int maxWatchedIds) {
        // Each directory its own prefix: the tests share one etcd but none sees another's peers.
        ClusterPeerSettings settings = ClusterPeerSettings.defaults()
                .withPrefix("peer-contract" + PREFIXES.incrementAndGet())
                .withMaxPeers(maxPeers == 0 ? ClusterPeerSettings.DEFAULT_MAX_PEERS : maxPeers, maxWatchedIds);
        try {
            ClusterPeerDirectory dir = new ClusterPeerDirectory(connections, settings);
            made.add(dir);
            return dir;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
