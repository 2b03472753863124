package dev.switchboard.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    private volatile EtcdCalls etcdCalls = EtcdCalls.UNCOUNTED;
    private NatsErrorLog natsErrors = new NatsErrorLog(); // the one given to the connection, once connected

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
        ClusterSettings settings = new ClusterSettings(nodeId, nodeId, ClusterSettings.DEFAULT_PREFIX,
                ClusterSettings.Nats.plain(natsUrls), ClusterSettings.Etcd.plain(etcdUrls), connectTimeout,
                Duration.ofSeconds(1), Duration.ofSeconds(1), ClusterSettings.Engines.defaults());
        return connect(settings, null);
    }

    /**
     * Connects as {@code settings} say, with their credentials and TLS.
     *
     * @param listener told of every NATS connection state change (jnats's thread), or null
     */
    /** Where the engines count their etcd calls ({@link EtcdCalls#UNCOUNTED} until a node's health is given). */
    public EtcdCalls etcdCalls() {
        return etcdCalls;
    }

    /** Told of each NATS consumer of this connection that starts dropping messages (its pending limits reached). */
    void onSlowConsumer(java.util.function.Consumer<io.nats.client.Consumer> listener) {
        natsErrors.onSlowConsumer = listener;
    }

    /** Counts the engines' etcd calls into {@code stats} (the node's etcd health). */
    void countEtcdCallsIn(EngineStats stats) {
        etcdCalls = new EtcdCalls(stats);
    }

    public static ClusterConnections connect(ClusterSettings settings, ConnectionListener listener)
            throws IOException, InterruptedException {
        NatsErrorLog errors = new NatsErrorLog();
        Connection nats = Nats.connect(natsOptions(settings, listener, errors));
        Client etcd;
        try {
            etcd = etcdClient(settings);
        } catch (RuntimeException e) {
            nats.close();
            throw e;
        }
        ClusterConnections connections = new ClusterConnections(settings.nodeId(), nats, etcd);
        connections.natsErrors = errors;
        return connections;
    }

    private static Options natsOptions(ClusterSettings settings, ConnectionListener listener, NatsErrorLog errors) {
        ClusterSettings.Nats n = settings.nats();
        Options.Builder b = new Options.Builder()
                .servers(n.urls().toArray(String[]::new))
                .connectionName("switchboard-" + settings.nodeId())
                .connectionTimeout(settings.connectTimeout())
                .reconnectWait(Duration.ofMillis(500))
                .maxReconnects(-1)
                .errorListener(errors);
        if (listener != null) b.connectionListener(listener);
        if (n.credsFile() != null) b.authHandler(Nats.credentials(n.credsFile().toString()));
        if (n.user() != null) b.userInfo(n.user().toCharArray(), n.password().toCharArray());
        if (n.token() != null) b.token(n.token().toCharArray());
        if (n.tlsCa() != null) b.sslContext(PemTrust.clientContext(n.tlsCa()));
        return b.build();
    }

    private static Client etcdClient(ClusterSettings settings) throws IOException {
        ClusterSettings.Etcd e = settings.etcd();
        ClientBuilder b = Client.builder()
                .endpoints(e.urls().toArray(String[]::new))
                .connectTimeout(settings.connectTimeout());
        if (e.user() != null) {
            b.user(ByteSequence.from(e.user(), StandardCharsets.UTF_8))
                    .password(ByteSequence.from(e.password(), StandardCharsets.UTF_8));
        }
        if (e.tlsCa() != null) {
            b.sslContext(ssl -> ssl.trustManager(e.tlsCa().toFile()));
        }
        return b.build();
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
