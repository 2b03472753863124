package dev.switchboard.cluster;

import io.etcd.jetcd.Client;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The node's connections to its two cluster engines: NATS for routing, fan-out, request/reply and
 * presence, etcd for locks. Made once per node and shared by every cluster engine of that node;
 * closing it closes both.
 */
public final class ClusterConnections implements AutoCloseable {
    private final String nodeId;
    private final Connection nats;
    private final Client etcd;

    private ClusterConnections(String nodeId, Connection nats, Client etcd) {
        this.nodeId = nodeId;
        this.nats = nats;
        this.etcd = etcd;
    }

    /**
     * Connects to NATS (waiting up to {@code connectTimeout} for the first server) and makes the etcd
     * client (which connects lazily, on its first call).
     *
     * @param nodeId unique among the cluster's nodes: it names this node's subjects and keys
     */
    public static ClusterConnections connect(String nodeId, List<String> natsUrls, List<String> etcdUrls,
                                             Duration connectTimeout) throws IOException, InterruptedException {
        Options options = new Options.Builder()
                .servers(natsUrls.toArray(String[]::new))
                .connectionName("switchboard-" + nodeId)
                .connectionTimeout(connectTimeout)
                .maxReconnects(-1)
                .build();
        Connection nats = Nats.connect(options);
        Client etcd = Client.builder().endpoints(etcdUrls.toArray(String[]::new)).build();
        return new ClusterConnections(nodeId, nats, etcd);
    }

    public String nodeId() {
        return nodeId;
    }

    public Connection nats() {
        return nats;
    }

    public Client etcd() {
        return etcd;
    }

    @Override
    public void close() {
        try {
            nats.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            etcd.close();
        }
    }
}
