package dev.switchboard.cluster;

import dev.switchboard.cluster.etcd.EtcdLockEngine;
import dev.switchboard.cluster.etcd.EtcdLockSettings;
import dev.switchboard.cluster.nats.NatsBroker;
import dev.switchboard.cluster.nats.NatsBrokerSettings;
import dev.switchboard.cluster.nats.NatsRpcEngines;
import dev.switchboard.cluster.nats.NatsRpcSettings;
import dev.switchboard.cluster.nats.NatsSubjects;
import dev.switchboard.cluster.relay.ClusterPeerDirectory;
import dev.switchboard.cluster.relay.ClusterPeerSettings;
import dev.switchboard.cluster.session.ClusterSessions;
import dev.switchboard.core.Engines;
import dev.switchboard.core.lock.FenceSource;
import dev.switchboard.core.lock.LockEngine;
import dev.switchboard.core.lock.LockLostListener;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.pubsub.TopicHistories;
import dev.switchboard.core.relay.PeerDirectory;
import dev.switchboard.core.rpc.ServiceRegistry;
import dev.switchboard.core.time.NodeClock;
import java.io.IOException;

/**
 * The engines of a node in a cluster: made from the cluster settings, it owns the node's
 * connections to NATS and etcd and their health watch, and closes them when closed (after the
 * core, once nothing calls the engines any more).
 *
 * <p>Each method below is the one place where its cluster engine is plugged in: locks on etcd,
 * the broker on NATS, the peer directory on etcd and NATS, request/reply on NATS.
 */
public final class ClusterEngines implements Engines, AutoCloseable {
    private final ClusterSettings settings;
    private final ClusterConnections connections;
    private final ClusterHealth health;
    private final NatsRpcEngines rpc;
    /** One etcd lease (and one keepalive) for the node, shared by the lock engine and the peer directory. */
    private final NodeLease nodeLease;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile ClusterSessions sessions;
    private final java.util.List<AutoCloseable> ownedEngines = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile java.util.function.Consumer<String> limitHits = limit -> { };
    private volatile NatsBroker broker;
    private volatile ClusterPeerDirectory peers;

    private ClusterEngines(ClusterSettings settings, ClusterConnections connections, ClusterHealth health) {
        this.settings = settings;
        this.connections = connections;
        this.health = health;
        this.nodeLease = new NodeLease(connections.etcd(), connections.nodeId(), settings.engines().leaseTtlSeconds(),
                settings.engines().callTimeout());
        this.rpc = new NatsRpcEngines(connections, new NatsSubjects(settings.prefix()),
                new NatsRpcSettings(settings.engines().rpcMaxInFlight()));
        rpc.onLimitHit(limit -> limitHits.accept(limit));
    }

    /**
     * Connects to NATS (failing if no server answers within the connect timeout) and etcd (lazily),
     * and starts watching both.
     */
    public static ClusterEngines connect(ClusterSettings settings) throws IOException, InterruptedException {
        ClusterHealth health = new ClusterHealth(settings);
        ClusterConnections connections;
        try {
            connections = ClusterConnections.connect(settings, health);
        } catch (IOException | InterruptedException | RuntimeException e) {
            health.close();
            throw e;
        }
        health.watch(connections.nats(), connections.etcd());
        try {
            awaitEtcd(settings, connections);
        } catch (IOException | InterruptedException | RuntimeException e) {
            connections.close();
            health.close();
            throw e;
        }
        connections.countEtcdCallsIn(health.etcd());
        ClusterEngines engines = new ClusterEngines(settings, connections, health);
        connections.onSlowConsumer(engines::slowConsumer);
        return engines;
    }

    /**
     * One read of etcd within the connect timeout before the engines start. jetcd connects on its
     * first call, and the engines' first calls (the node lease) have their short call deadlines: on
     * a busy machine the channel's start alone can take longer, so the start gets the connect
     * timeout, as NATS's does.
     */
    private static void awaitEtcd(ClusterSettings settings, ClusterConnections connections) throws IOException, InterruptedException {
        try {
            connections.etcd().getKVClient().get(io.etcd.jetcd.ByteSequence.from("/" + settings.prefix() + "/health",
                    java.nio.charset.StandardCharsets.UTF_8)).get(settings.connectTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("cannot reach etcd at " + settings.etcd().urls() + " within "
                    + settings.connectTimeout().toSeconds() + " s: " + e, e);
        }
    }

    public ClusterSettings settings() {
        return settings;
    }

    public ClusterConnections connections() {
        return connections;
    }

    /** Reachability and counters of each engine connection. */
    public ClusterHealth health() {
        return health;
    }

    /** Locks on etcd: fences are etcd revisions, so the node's own fence source is not used. */
    @Override
    public LockEngine locks(LockTableConfig config, FenceSource fences, NodeClock clock, LockLostListener lost) {
        return EtcdLockEngine.create(connections,
                new EtcdLockSettings(settings.prefix(), settings.engines().callTimeout(),
                        settings.engines().leaseTtlSeconds()), config, clock, lost, nodeLease);
    }

    /** Signals and pub/sub on NATS: local fan-out here, the node subscribed once per pattern for the rest. */
    @Override
    public Broker broker(int maxSubscriptionsPerSubscriber, TopicHistories histories) {
        ClusterSettings.Engines e = settings.engines();
        NatsBroker broker = new NatsBroker(connections.nats(), connections.nodeId(), new NatsSubjects(settings.prefix()),
                new NatsBrokerSettings(maxSubscriptionsPerSubscriber, histories, e.maxPendingMessages(), e.maxPendingBytes(),
                        e.callTimeout(), e.maxCountedPublishes(), e.maxOrigins(), e.historyMaxPending()), null);
        broker.onLimitHit(limit -> limitHits.accept(limit));
        this.broker = broker;
        return owned(broker);
    }

    /** dflockd's {@code signal} waits this long for the other nodes' counts ({@code --cluster-signal-count-wait}). */
    @Override
    public java.time.Duration signalCountWait() {
        return settings.signalCountWait();
    }

    /** Request/reply on NATS: each service a node serves is one NATS queue subscription; calls nothing local serves go there. */
    @Override
    public ServiceRegistry services(int maxPerEndpoint) {
        return rpc.services(maxPerEndpoint);
    }

    /**
     * Once the core is built: its request/reply sends to other nodes and serves theirs, and its
     * resumable sessions are recorded in etcd so that their clients can resume on another node.
     */
    @Override
    public void started(dev.switchboard.core.SwitchboardCore core) {
        rpc.started(core);
        sessions = owned(new ClusterSessions(connections, settings.prefix(), core.sessions(),
                EtcdLockSettings.defaults().callTimeout()));
    }

    /**
     * Where the node looks for a session a client resumes and it does not hold (the cluster's
     * records, and the node that has the session); null before the core is built.
     */
    public dev.switchboard.core.session.store.SessionLookup sessionLookup() {
        ClusterSessions s = sessions;
        return s == null ? null : s.lookup();
    }

    /** The NATS request/reply engine (its calls in flight and limit hits, for the node's metrics). */
    public NatsRpcEngines rpc() {
        return rpc;
    }

    /** Who is online in etcd (leased keys, watched by every node), direct messages on NATS. */
    @Override
    public PeerDirectory peers() {
        ClusterSettings.Engines tuning = settings.engines();
        try {
            ClusterPeerDirectory directory = new ClusterPeerDirectory(connections, new ClusterPeerSettings(settings.prefix(),
                    tuning.maxPeers(), ClusterPeerSettings.defaults().maxWatchedIds(), tuning.leaseTtlSeconds(), tuning.callTimeout()),
                    nodeLease);
            directory.onLimitHit(limit -> limitHits.accept(limit));
            this.peers = directory;
            return owned(directory);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the cluster peer directory: " + e.getMessage(), e);
        }
    }

    /** The broker on NATS once the core has asked for it, else null (for the node's metrics). */
    public NatsBroker natsBroker() {
        return broker;
    }

    /** The peer directory once the core has asked for it, else null (for the node's metrics). */
    public ClusterPeerDirectory peerDirectory() {
        return peers;
    }

    /** Told the name of each cluster bound a client hits ({@code cluster_max_peers}, {@code cluster_rpc_max_in_flight}). */
    public void onLimitHit(java.util.function.Consumer<String> counter) {
        this.limitHits = counter == null ? limit -> { } : counter;
    }

    /** NATS began dropping messages for one of the node's consumers: the broker's is counted as the bound it hit. */
    private void slowConsumer(io.nats.client.Consumer consumer) {
        NatsBroker b = broker;
        if (b == null || !b.receivesWith(consumer)) return;
        try {
            boolean byCount = consumer.getPendingMessageCount() + 1 >= consumer.getPendingMessageLimit();
            limitHits.accept(byCount ? "cluster_max_pending_messages" : "cluster_max_pending_bytes");
        } catch (IllegalStateException closed) {
            // the dispatcher closed meanwhile: the node is going away
        }
    }

    /** The node's etcd lease, shared by its engines. */
    public NodeLease nodeLease() {
        return nodeLease;
    }

    /** Engines the core does not close itself are closed with the connections. */
    private <T extends AutoCloseable> T owned(T engine) {
        ownedEngines.add(engine);
        return engine;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        for (AutoCloseable engine : ownedEngines) {
            try {
                engine.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(ClusterEngines.class).warn("closing {}: {}", engine, e.toString());
            }
        }
        nodeLease.close(); // after every engine: the keys left on it (waiters, peers) go at once
        health.close();
        connections.close();
    }
}
