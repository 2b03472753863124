package dev.switchboard.cluster;

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
 * <p>Each method below is the one place where its cluster engine is plugged in; until an engine
 * lands it returns the in-memory one, so a clustered node already runs (alone) with every
 * connection, option, readiness check and metric in place.
 */
public final class ClusterEngines implements Engines, AutoCloseable {
    private final ClusterSettings settings;
    private final ClusterConnections connections;
    private final ClusterHealth health;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private ClusterEngines(ClusterSettings settings, ClusterConnections connections, ClusterHealth health) {
        this.settings = settings;
        this.connections = connections;
        this.health = health;
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
        return new ClusterEngines(settings, connections, health);
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

    @Override
    public LockEngine locks(LockTableConfig config, FenceSource fences, NodeClock clock, LockLostListener lost) {
        // CLUSTER ENGINE: the etcd lock engine goes here.
        return Engines.super.locks(config, fences, clock, lost);
    }

    @Override
    public Broker broker(int maxSubscriptionsPerSubscriber, TopicHistories histories) {
        // CLUSTER ENGINE: the NATS broker goes here.
        return Engines.super.broker(maxSubscriptionsPerSubscriber, histories);
    }

    @Override
    public ServiceRegistry services(int maxPerEndpoint) {
        // CLUSTER ENGINE: the NATS request/reply service registry goes here.
        return Engines.super.services(maxPerEndpoint);
    }

    @Override
    public PeerDirectory peers() {
        // CLUSTER ENGINE: the cluster peer directory goes here.
        return Engines.super.peers();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        health.close();
        connections.close();
    }
}
